package dev.jgitpomerium.sample; public final class Main { public static void main(String[] a){} }
