package dev.jgitpomerium.testkit;

import java.util.Collection;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.transport.SshSessionFactory;

/**
 * A plain JGit program, as a user writes one: {@code Git.lsRemoteRepository()} with no SSH set-up at all, so JGit
 * uses whatever {@link SshSessionFactory} its ServiceLoader finds, with {@code ~/.ssh} of {@code user.home}. Prints
 * the refs on standard output; on failure, the chain of messages on standard error, and exits 1.
 *
 * <p>It uses JGit only, and no nested classes, so that {@link PlainJGit} can run it from a copy of this one class file
 * beside JGit's own jars (stock JGit).
 */
public final class PlainJGitLsRemote {
  private PlainJGitLsRemote() {}

  public static void main(String[] args) {
    System.err.println("ssh session factory: " + SshSessionFactory.getInstance().getClass().getName());
    try {
      Collection<Ref> refs = Git.lsRemoteRepository().setRemote(args[0]).call();
      for (Ref ref : refs) {
        System.out.println(ref.getObjectId().name() + "\t" + ref.getName());
      }
      System.exit(0);
    } catch (Exception e) {
      StringBuilder chain = new StringBuilder("ls-remote failed:");
      for (Throwable t = e; t != null; t = t.getCause()) {
        chain.append("\n  ").append(t.getClass().getName()).append(": ").append(t.getMessage());
      }
      System.err.println(chain);
      System.exit(1);
    }
  }
}
