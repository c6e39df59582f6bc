/**
 * The doctor: walks what a connection to one host does (ssh config, proxy, DNS, TCP, TLS, token, {@code CONNECT}, SSH
 * banner, host key) with the same code a connection runs, and reports each step as a {@link
 * dev.jgitpomerium.transport.Diagnosis}.
 *
 * <p>Not API: see {@code dev.jgitpomerium.transport.internal}.
 */
package dev.jgitpomerium.transport.internal.doctor;
