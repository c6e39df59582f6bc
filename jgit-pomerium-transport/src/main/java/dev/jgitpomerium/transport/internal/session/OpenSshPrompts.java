package dev.jgitpomerium.transport.internal.session;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.errors.UnsupportedCredentialItem;
import org.eclipse.jgit.transport.CredentialItem;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.URIish;

/**
 * JGit's questions (a key's passphrase, whether to trust a host key, a password) asked as OpenSSH asks them, through
 * one place that reads an answer ({@link #read}: the terminal in the command line, {@link Askpass} in both): the
 * informational messages before a question become the first lines of its prompt, as OpenSSH's host-key question is
 * one prompt, and a yes/no question is OpenSSH's {@code confirm()}.
 */
public abstract class OpenSshPrompts extends CredentialsProvider {
  private static final Pattern FINGERPRINT = Pattern.compile("SHA256:[A-Za-z0-9+/=]+");

  /** One answer to {@code prompt}, or null if none could be had (end of input, askpass cancelled or failed). */
  protected abstract String read(String prompt, boolean echo);

  /** Messages with no question after them. */
  protected abstract void show(String text);

  @Override
  public boolean isInteractive() {
    return true;
  }

  @Override
  public boolean supports(CredentialItem... items) {
    for (CredentialItem item : items) {
      if (!(item instanceof CredentialItem.InformationalMessage || item instanceof CredentialItem.YesNoType
          || item instanceof CredentialItem.Password || item instanceof CredentialItem.CharArrayType
          || item instanceof CredentialItem.StringType || item instanceof CredentialItem.Username)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean get(URIish uri, CredentialItem... items) throws UnsupportedCredentialItem {
    List<String> messages = new ArrayList<>();
    boolean asked = false;
    for (CredentialItem item : items) {
      if (item instanceof CredentialItem.InformationalMessage) {
        messages.add(item.getPromptText());
        continue;
      }
      String shown = String.join("\n", messages);
      String prompt = messages.isEmpty() ? item.getPromptText() : shown + "\n" + item.getPromptText();
      messages.clear();
      asked = true;
      if (item instanceof CredentialItem.YesNoType yesNo) {
        yesNo.setValue(confirm(prompt, fingerprintIn(shown)));
      } else if (item instanceof CredentialItem.Password password) {
        String answer = read(prompt, false);
        password.setValue(answer == null ? new char[0] : answer.toCharArray());
      } else if (item instanceof CredentialItem.CharArrayType chars) {
        String answer = read(prompt, !chars.isValueSecure());
        chars.setValue(answer == null ? new char[0] : answer.toCharArray());
      } else if (item instanceof CredentialItem.StringType string) {
        String answer = read(prompt, !string.isValueSecure());
        string.setValue(answer == null ? "" : answer);
      } else {
        throw new UnsupportedCredentialItem(uri, item.getClass().getName() + ": " + item.getPromptText());
      }
    }
    if (!asked && !messages.isEmpty()) {
      show(String.join("\n", messages) + "\n");
    }
    return true;
  }

  private static String fingerprintIn(String text) {
    Matcher m = FINGERPRINT.matcher(text);
    return m.find() ? m.group().replaceAll("\\.$", "") : null;
  }

  /** OpenSSH's confirm(): yes, no (or nothing), or the fingerprint that was shown. */
  private boolean confirm(String prompt, String fingerprint) {
    String question = prompt;
    while (true) {
      String answer = read(question, true);
      if (answer == null) {
        return false;
      }
      answer = answer.strip();
      if (answer.isEmpty() || answer.equalsIgnoreCase("no")) {
        return false;
      }
      if (answer.equalsIgnoreCase("yes") || (fingerprint != null && answer.equals(fingerprint))) {
        return true;
      }
      question = fingerprint != null ? "Please type 'yes', 'no' or the fingerprint: " : "Please type 'yes' or 'no': ";
    }
  }
}
