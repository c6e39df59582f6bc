package dev.jgitpomerium.transport.internal.sshconfig;

import dev.jgitpomerium.transport.SshConfigException;
import dev.jgitpomerium.transport.internal.sshconfig.Keywords.Keyword;
import dev.jgitpomerium.transport.internal.sshconfig.Keywords.Kind;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig.Resolution;
import dev.jgitpomerium.transport.internal.sshconfig.SshConfig.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.transport.SshConfigStore;

/** A resolution as JGit's {@link SshConfigStore.HostConfig}: see {@link Resolution#toJGit()}. */
record JGitHostConfig(Map<String, String> options, Map<String, List<String>> lists)
    implements SshConfigStore.HostConfig {

  static JGitHostConfig of(Resolution r, Options options) throws SshConfigException {
    Map<String, String> single = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    Map<String, List<String>> multi = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Map.Entry<String, Value> e : options.single.entrySet()) {
      Keyword k = Keywords.get(e.getKey());
      String name = k == null ? e.getKey() : k.name();
      Value v = e.getValue();
      if (k != null && k.kind() == Kind.LIST) {
        multi.put(name, v.args());
      } else if (k != null && (k.kind() == Kind.COMMAND || k.kind() == Kind.JUMP)) {
        single.put(name, v.raw());
      } else {
        single.put(name, v.first());
      }
    }
    for (Map.Entry<String, List<Value>> e : options.multi.entrySet()) {
      Keyword k = Keywords.get(e.getKey());
      List<String> values = new ArrayList<>();
      for (Value v : e.getValue()) {
        values.addAll(k.kind() == Kind.FILES ? List.of(v.first()) : v.args());
      }
      multi.put(k.name(), values);
    }
    single.put("HostName", r.hostName());
    single.put("Port", Integer.toString(r.port()));
    single.put("User", r.user());
    single.put(SshConfig.HOST_AS_GIVEN, r.originalHost());
    multi.remove("IdentityFile");
    if (!r.identityFiles().isEmpty()) {
      multi.put("IdentityFile", r.identityFiles());
    }
    multi.remove("CertificateFile");
    if (!r.certificateFiles().isEmpty()) {
      multi.put("CertificateFile", r.certificateFiles());
    }
    if (!r.userKnownHostsFiles().isEmpty()) {
      multi.put("UserKnownHostsFile", r.userKnownHostsFiles());
    }
    if (r.identityAgent() != null) {
      single.put("IdentityAgent", r.identityAgent());
    }
    Value control = options.single("controlpath");
    if (control != null) {
      single.put("ControlPath", r.expandPath(control.first(), control));
    }
    return new JGitHostConfig(single, multi);
  }

  @Override
  public String getValue(String key) {
    String value = options.get(key);
    if (value == null) {
      List<String> values = lists.get(key);
      value = values == null || values.isEmpty() ? null : values.get(0);
    }
    return value;
  }

  @Override
  public List<String> getValues(String key) {
    List<String> values = lists.get(key);
    return values == null ? new ArrayList<>() : new ArrayList<>(values);
  }

  @Override
  public Map<String, String> getOptions() {
    return Collections.unmodifiableMap(options);
  }

  @Override
  public Map<String, List<String>> getMultiValuedOptions() {
    return Collections.unmodifiableMap(lists);
  }
}
