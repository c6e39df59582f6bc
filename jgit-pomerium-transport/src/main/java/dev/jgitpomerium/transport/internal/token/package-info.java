/**
 * Where tokens come from and where they are kept: the default chain (machine credentials, the cache, a sign-in), the
 * token cache files and their locks.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.token;
