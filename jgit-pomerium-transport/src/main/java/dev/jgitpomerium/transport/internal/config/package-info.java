/**
 * How a factory is configured: the Builder's state as an immutable {@link
 * dev.jgitpomerium.transport.internal.config.Config}, compiled once into a {@link
 * dev.jgitpomerium.transport.internal.config.FactoryRuntime}; the {@code jgit.pomerium.*} settings; the JGit and MINA
 * sshd versions this runs with.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.config;
