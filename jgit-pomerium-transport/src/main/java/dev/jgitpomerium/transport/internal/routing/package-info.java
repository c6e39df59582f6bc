/**
 * How a host is reached, decided in one place: {@link dev.jgitpomerium.transport.internal.routing.Router} answers
 * Pomerium, ProxyCommand or direct, from the factory's routes and ssh config's {@code ProxyCommand} lines; JGit's
 * proxy hook acts on that answer.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.routing;
