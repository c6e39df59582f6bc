/**
 * The implementation of {@code dev.jgitpomerium.transport}: not API. Nothing here, nor in any package under it, is
 * covered by the API baseline or kept compatible between releases; use only {@code dev.jgitpomerium.transport}.
 *
 * <p>The jar's automatic module ({@code dev.jgitpomerium.transport}) exports this package only because an automatic
 * module exports every package it has.
 */
package dev.jgitpomerium.transport.internal;
