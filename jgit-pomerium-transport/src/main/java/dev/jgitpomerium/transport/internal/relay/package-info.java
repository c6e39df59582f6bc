/**
 * The authenticated loopback relay JGit's sshd client connects to: single-use grants for tunnels already open, and
 * the splice between the two sockets.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.relay;
