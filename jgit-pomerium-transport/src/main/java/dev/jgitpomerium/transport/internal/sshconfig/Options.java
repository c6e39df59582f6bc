package dev.jgitpomerium.transport.internal.sshconfig;

import dev.jgitpomerium.transport.internal.sshconfig.SshConfig.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The values set so far: OpenSSH's Options, first value wins. */
final class Options {
  final Map<String, Value> single = new LinkedHashMap<>();
  final Map<String, List<Value>> multi = new LinkedHashMap<>();

  Value single(String keyword) {
    return single.get(keyword);
  }

  String first(String keyword) {
    Value v = single.get(keyword);
    return v == null ? null : v.first().toLowerCase(Locale.ROOT);
  }

  void set(String keyword, Value value) {
    single.putIfAbsent(keyword, value);
  }

  void replace(String keyword, Value value) {
    single.put(keyword, value);
  }

  List<Value> all(String keyword) {
    return multi.getOrDefault(keyword, List.of());
  }

  void add(String keyword, Value value) {
    multi.computeIfAbsent(keyword, k -> new ArrayList<>()).add(value);
  }
}
