/**
 * The SSH session JGit opens: keys, agents, certificates, passphrases and prompts, known_hosts, keepalive ({@code
 * ServerAliveInterval}), and failures explained as OpenSSH explains them.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.session;
