/**
 * Signing in to Pomerium: the browser, the loopback callback, the console, and one sign-in shared by the connections
 * that wait for it.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.signin;
