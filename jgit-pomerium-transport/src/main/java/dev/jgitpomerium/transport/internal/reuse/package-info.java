/**
 * SSH connection reuse: one authenticated connection per destination shared by the JGit operations of a factory, each
 * on a channel of its own, kept for a while when idle and replaced when the server closes it or refuses a channel
 * (OpenSSH's {@code ControlMaster}, {@code ControlPersist} and {@code MaxSessions} as the model).
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.reuse;
