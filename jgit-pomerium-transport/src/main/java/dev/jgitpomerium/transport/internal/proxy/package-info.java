/**
 * Forward proxies on the way to Pomerium, the one home of that concept: which proxy a Pomerium endpoint is reached
 * through and why ({@link dev.jgitpomerium.transport.internal.proxy.ForwardProxies}: the explicit setting, the JVM's
 * {@code ProxySelector}, {@code HTTPS_PROXY}/{@code ALL_PROXY} with {@code NO_PROXY}), the proxy URLs themselves
 * ({@link dev.jgitpomerium.transport.internal.proxy.ProxyUrl}, whose credentials never show), and the dialers that
 * open a byte stream to Pomerium's {@code host:port} through them: HTTP {@code CONNECT} over plain TCP or TLS, and
 * SOCKS5 with the client or the proxy resolving the name. The tunnel and the sign-in HTTP client both dial through a
 * {@link dev.jgitpomerium.transport.internal.proxy.ProxyChoice}, so that both hops take the same way out.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.proxy;
