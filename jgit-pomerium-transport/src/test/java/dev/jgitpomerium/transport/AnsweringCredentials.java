package dev.jgitpomerium.transport;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.errors.UnsupportedCredentialItem;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;

/**
 * A JGit command's CredentialsProvider that a person would be: it records every prompt shown, answers a password item
 * (a key's passphrase) with one text, and says yes to every yes/no question (the host-key question).
 */
final class AnsweringCredentials extends CredentialsProvider {
  final List<String> prompts = new ArrayList<>();
  private final String password;

  /** @param password the answer to password items; null to answer none */
  AnsweringCredentials(String password) {
    this.password = password;
  }

  @Override
  public boolean isInteractive() {
    return true;
  }

  @Override
  public boolean supports(CredentialItem... items) {
    return true;
  }

  @Override
  public boolean get(URIish uri, CredentialItem... items) throws UnsupportedCredentialItem {
    for (CredentialItem item : items) {
      prompts.add(item.getPromptText());
      if (item instanceof CredentialItem.Password p && password != null) {
        p.setValue(password.toCharArray());
      } else if (item instanceof CredentialItem.YesNoType answer) {
        answer.setValue(true);
      }
    }
    return true;
  }
}
