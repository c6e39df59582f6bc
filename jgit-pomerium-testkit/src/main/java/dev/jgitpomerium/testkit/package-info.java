/**
 * Test doubles for the two ends of a Pomerium SSH tunnel: {@link
 * dev.jgitpomerium.testkit.PomeriumGateway}, a TLS {@code CONNECT} gateway that answers like
 * Pomerium and can be scripted or made to fail, and {@link dev.jgitpomerium.testkit.GitSshServer},
 * an SSH git server built on MINA sshd and JGit. The gateway also serves Pomerium's programmatic
 * login, which {@link dev.jgitpomerium.testkit.FakeBrowser} completes in place of a person. {@link
 * dev.jgitpomerium.testkit.SlowLink} is a TCP relay that shapes a connection between them to a
 * bandwidth and a latency. All of them bind 127.0.0.1 on ephemeral ports, start in milliseconds and
 * leave no threads or sockets behind after {@code close()}.
 *
 * <p>{@link dev.jgitpomerium.testkit.OpenSshServer} runs the real thing instead: Debian's OpenSSH server, as root,
 * serving git repositories; {@link dev.jgitpomerium.testkit.OpenSshBehindPomerium} puts it behind the gateway.
 *
 * <p>{@link dev.jgitpomerium.testkit.SquidProxy} (an HTTP and HTTPS proxy, with Basic authentication) and {@link
 * dev.jgitpomerium.testkit.Socks5Proxy} (a SOCKS5 proxy with a password) run Debian's squid and microsocks on
 * 127.0.0.1 as forward proxies that alone resolve the names given to them.
 *
 * <p>{@link dev.jgitpomerium.testkit.GitBehindPomerium} is the scene the library's and the command line's end-to-end
 * tests share: the git server behind the gateway as {@code git.corp.example.com:22}, and a home whose {@code ~/.ssh}
 * knows it.
 */
package dev.jgitpomerium.testkit;
