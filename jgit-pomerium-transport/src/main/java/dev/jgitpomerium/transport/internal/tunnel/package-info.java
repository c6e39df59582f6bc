/**
 * Opening one Pomerium tunnel: TCP, TLS, {@code CONNECT} with the token, the single sign-in retry, and the failures a
 * status means.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.tunnel;
