package dev.jgitpomerium.testkit;

import java.io.IOException;
import java.util.Locale;
import java.util.Random;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheCheckout;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Fills repositories with content for transfer tests.
 *
 * <p>Tunnel bugs (lost bytes, cuts mid-stream, flow-control stalls) only show up when a pack is
 * large enough to span many TLS records and TCP windows. Random bytes do not compress or delta, so
 * the pack is about as large as the content written.
 */
public final class TestRepositories {
  private static final String BRANCH = Constants.R_HEADS + "main";

  private TestRepositories() {}

  /**
   * Adds {@code commits} commits to {@code refs/heads/main}, each adding one new file of {@code
   * bytesPerFile} random bytes drawn from {@code seed}.
   *
   * <p>Works on bare repositories without a work tree: objects are written with an {@link
   * ObjectInserter} and the ref is moved with a {@link RefUpdate}. In a non-bare repository whose
   * {@code HEAD} is {@code main}, the work tree and index are updated too, so the repository stays
   * clean.
   *
   * @return the new tip of {@code refs/heads/main}
   */
  public static ObjectId commitFiles(Repository repo, int commits, int bytesPerFile, long seed)
      throws IOException {
    if (commits < 1) {
      throw new IllegalArgumentException("commits must be at least 1: " + commits);
    }
    if (bytesPerFile < 0) {
      throw new IllegalArgumentException("bytesPerFile must not be negative: " + bytesPerFile);
    }
    Random random = new Random(seed);
    Ref ref = repo.exactRef(BRANCH);
    ObjectId oldTip = ref == null ? null : ref.getObjectId();
    ObjectId oldTree = null;
    ObjectId tip = oldTip;
    ObjectId tree;
    PersonIdent ident = new PersonIdent("jgit-pomerium testkit", "testkit@example.invalid");

    try (ObjectInserter inserter = repo.newObjectInserter();
        ObjectReader reader = inserter.newReader();
        RevWalk walk = new RevWalk(reader)) {
      DirCache index;
      if (oldTip == null) {
        index = DirCache.newInCore();
      } else {
        oldTree = walk.parseCommit(oldTip).getTree().getId();
        index = DirCache.read(reader, oldTree);
      }
      tree = oldTree;
      byte[] content = new byte[bytesPerFile];
      for (int i = 0; i < commits; i++) {
        random.nextBytes(content);
        ObjectId blob = inserter.insert(Constants.OBJ_BLOB, content);
        // Entry count as the name keeps names unique across calls on the same repository.
        String path = String.format(Locale.ROOT, "data/%06d.bin", index.getEntryCount());
        DirCacheEditor editor = index.editor();
        editor.add(
            new DirCacheEditor.PathEdit(path) {
              @Override
              public void apply(DirCacheEntry entry) {
                entry.setFileMode(FileMode.REGULAR_FILE);
                entry.setObjectId(blob);
                entry.setLength(content.length);
              }
            });
        editor.finish();
        tree = index.writeTree(inserter);

        CommitBuilder commit = new CommitBuilder();
        commit.setTreeId(tree);
        if (tip != null) {
          commit.setParentId(tip);
        }
        commit.setAuthor(ident);
        commit.setCommitter(ident);
        commit.setMessage("Add " + path + "\n");
        tip = inserter.insert(commit);
      }
      inserter.flush();
    }

    RefUpdate update = repo.updateRef(BRANCH);
    update.setNewObjectId(tip);
    update.setExpectedOldObjectId(oldTip == null ? ObjectId.zeroId() : oldTip);
    update.setRefLogMessage("testkit: " + commits + " commit(s)", false);
    RefUpdate.Result result = update.update();
    if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FAST_FORWARD) {
      throw new IOException("could not update " + BRANCH + ": " + result);
    }

    if (!repo.isBare() && BRANCH.equals(repo.getFullBranch())) {
      DirCache workIndex = repo.lockDirCache();
      DirCacheCheckout checkout =
          oldTree == null
              ? new DirCacheCheckout(repo, workIndex, tree)
              : new DirCacheCheckout(repo, oldTree, workIndex, tree);
      checkout.setFailOnConflict(true);
      checkout.checkout(); // writes the index and releases its lock
    }
    return tip;
  }
}
