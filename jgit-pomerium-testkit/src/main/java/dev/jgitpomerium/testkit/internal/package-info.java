/** Helpers for the testkit's servers; not a supported API and may change without notice. */
package dev.jgitpomerium.testkit.internal;
