/**
 * Reading {@code ~/.ssh/config} as OpenSSH does ({@code Match}, {@code Include}, tokens, quoting), once per
 * connection, for JGit and for routing.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.sshconfig;
