package dev.jgitpomerium.transport.internal.sshconfig;

import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * OpenSSH's keyword table ({@code readconf.c}'s {@code keywords[]}): each keyword's name as written in messages and in
 * JGit's host config, how its arguments are parsed and kept, the words a state keyword accepts, and the aliases.
 */
final class Keywords {
  /** How OpenSSH parses and keeps a keyword's arguments. */
  enum Kind {
    /** One word; first wins. */
    STRING,
    /** The rest of the line as written; first wins. */
    COMMAND,
    JUMP,
    PORT,
    TIME,
    INT,
    /** One of a fixed set of words. */
    STATES,
    /** One path; every value is kept, duplicates dropped. */
    FILES,
    AGENT,
    /** A list of words on one line; the first line wins. */
    LIST,
    /** Words on any number of lines, all kept. */
    ACCUMULATE,
    /** Any arguments, not checked here; first wins. */
    ANY,
    IGNORE,
    HOST,
    MATCH,
    INCLUDE
  }

  record Keyword(String name, Kind kind, Set<String> states) {}

  private static final Set<String> FLAG = Set.of("yes", "no", "true", "false");
  private static final Map<String, Keyword> KEYWORDS = keywords();

  private Keywords() {}

  /** The keyword whose lower-case name (or alias) is {@code name}, or null when this ssh does not know it. */
  static Keyword get(String name) {
    return KEYWORDS.get(name);
  }

  private static Map<String, Keyword> keywords() {
    Map<String, Keyword> k = new HashMap<>();
    Object[][] table = {
        {"Host", Kind.HOST}, {"Match", Kind.MATCH}, {"Include", Kind.INCLUDE},
        {"HostName", Kind.STRING}, {"User", Kind.STRING}, {"HostKeyAlias", Kind.STRING},
        {"PreferredAuthentications", Kind.STRING}, {"BindAddress", Kind.STRING}, {"BindInterface", Kind.STRING},
        {"PKCS11Provider", Kind.STRING}, {"SecurityKeyProvider", Kind.STRING}, {"XAuthLocation", Kind.STRING},
        {"KbdInteractiveDevices", Kind.STRING}, {"IgnoreUnknown", Kind.STRING}, {"ControlPath", Kind.STRING},
        {"RevokedHostKeys", Kind.STRING}, {"Ciphers", Kind.STRING}, {"MACs", Kind.STRING},
        {"KexAlgorithms", Kind.STRING}, {"HostKeyAlgorithms", Kind.STRING}, {"CASignatureAlgorithms", Kind.STRING},
        {"HostbasedAcceptedAlgorithms", Kind.STRING}, {"PubkeyAcceptedAlgorithms", Kind.STRING},
        {"LogLevel", Kind.STRING}, {"SyslogFacility", Kind.STRING}, {"EscapeChar", Kind.STRING},
        {"StreamLocalBindMask", Kind.STRING}, {"FingerprintHash", Kind.STRING}, {"TunnelDevice", Kind.STRING},
        {"ProxyCommand", Kind.COMMAND}, {"LocalCommand", Kind.COMMAND}, {"RemoteCommand", Kind.COMMAND},
        {"KnownHostsCommand", Kind.COMMAND}, {"ProxyJump", Kind.JUMP}, {"Port", Kind.PORT},
        {"ConnectTimeout", Kind.TIME}, {"ServerAliveInterval", Kind.TIME}, {"ForwardX11Timeout", Kind.TIME},
        {"ServerAliveCountMax", Kind.INT}, {"ConnectionAttempts", Kind.INT}, {"NumberOfPasswordPrompts", Kind.INT},
        {"CanonicalizeMaxDots", Kind.INT}, {"RequiredRSASize", Kind.INT},
        {"IdentityFile", Kind.FILES}, {"CertificateFile", Kind.FILES}, {"IdentityAgent", Kind.AGENT},
        {"UserKnownHostsFile", Kind.LIST}, {"GlobalKnownHostsFile", Kind.LIST}, {"CanonicalDomains", Kind.LIST},
        {"CanonicalizePermittedCNAMEs", Kind.LIST}, {"LogVerbose", Kind.LIST}, {"SetEnv", Kind.LIST},
        {"SendEnv", Kind.ACCUMULATE}, {"LocalForward", Kind.ACCUMULATE}, {"RemoteForward", Kind.ACCUMULATE},
        {"DynamicForward", Kind.ACCUMULATE},
        {"ForwardAgent", Kind.ANY}, {"ControlPersist", Kind.ANY}, {"IPQoS", Kind.ANY},
        {"AddKeysToAgent", Kind.ANY}, {"PermitRemoteOpen", Kind.ANY}, {"RekeyLimit", Kind.ANY},
        // Keywords of OpenSSH releases after 9.2: accepted, so a configuration written for a newer ssh still works.
        {"Tag", Kind.STRING}, {"ChannelTimeout", Kind.ANY}, {"ObscureKeystrokeTiming", Kind.ANY},
        {"EnableEscapeCommandline", Kind.STATES}, {"RefuseConnection", Kind.ANY}, {"WarnWeakCrypto", Kind.ANY},
        {"VersionAddendum", Kind.ANY},
        // Debian's own keywords: its ssh accepts them, so a configuration written there must work here.
        {"GSSAPIClientIdentity", Kind.STRING}, {"GSSAPIServerIdentity", Kind.STRING},
        {"GSSAPIKexAlgorithms", Kind.STRING},
        // Deprecated and unsupported options: OpenSSH ignores them (with a message).
        {"Protocol", Kind.IGNORE}, {"Cipher", Kind.IGNORE}, {"FallBackToRsh", Kind.IGNORE},
        {"GlobalKnownHostsFile2", Kind.IGNORE}, {"RhostsAuthentication", Kind.IGNORE},
        {"UserKnownHostsFile2", Kind.IGNORE}, {"UseRoaming", Kind.IGNORE}, {"UseRsh", Kind.IGNORE},
        {"UsePrivilegedPort", Kind.IGNORE}, {"AFSTokenPassing", Kind.IGNORE},
        {"KerberosAuthentication", Kind.IGNORE}, {"KerberosTGTPassing", Kind.IGNORE},
        {"RSAAuthentication", Kind.IGNORE}, {"RhostsRSAAuthentication", Kind.IGNORE},
        {"CompressionLevel", Kind.IGNORE},
    };
    for (Object[] row : table) {
      String name = (String) row[0];
      k.put(name.toLowerCase(Locale.ROOT), new Keyword(name, (Kind) row[1], FLAG));
    }
    if (System.getProperty("os.name", "").startsWith("Mac")) {
      // Apple's ssh reads it (the keychain holds key passphrases); every other ssh refuses it.
      k.put("usekeychain", new Keyword("UseKeychain", Kind.IGNORE, FLAG));
    }
    String[] flags = {"ForwardX11", "ForwardX11Trusted", "GatewayPorts", "ExitOnForwardFailure",
        "PasswordAuthentication", "KbdInteractiveAuthentication", "HostbasedAuthentication", "GSSAPIAuthentication",
        "GSSAPIDelegateCredentials", "BatchMode", "CheckHostIP", "TCPKeepAlive", "IdentitiesOnly",
        "EnableSSHKeysign", "ClearAllForwardings", "HashKnownHosts", "PermitLocalCommand", "VisualHostKey",
        "StdinNull", "ForkAfterAuthentication", "ProxyUseFdpass", "CanonicalizeFallbackLocal",
        "StreamLocalBindUnlink", "EnableEscapeCommandline", "NoHostAuthenticationForLocalhost",
        "GSSAPIKeyExchange", "GSSAPIRenewalForcesRekey", "GSSAPITrustDns"};
    for (String name : flags) {
      k.put(name.toLowerCase(Locale.ROOT), new Keyword(name, Kind.STATES, FLAG));
    }
    Object[][] states = {
        {"StrictHostKeyChecking", "yes no true false ask off accept-new"},
        {"VerifyHostKeyDNS", "yes no true false ask"}, {"UpdateHostKeys", "yes no true false ask"},
        {"ControlMaster", "yes no true false auto ask autoask"}, {"RequestTTY", "yes no true false force auto"},
        {"AddressFamily", "inet inet6 any"}, {"CanonicalizeHostname", "yes no true false always"},
        {"PubkeyAuthentication", "yes no true false unbound host-bound"},
        {"Tunnel", "yes no true false ethernet point-to-point"}, {"SessionType", "none subsystem default"},
        {"Compression", "yes no"},
    };
    for (Object[] row : states) {
      String name = (String) row[0];
      k.put(name.toLowerCase(Locale.ROOT), new Keyword(name, Kind.STATES, Set.of(((String) row[1]).split(" "))));
    }
    String[][] aliases = {{"identityfile2", "identityfile"}, {"keepalive", "tcpkeepalive"},
        {"challengeresponseauthentication", "kbdinteractiveauthentication"},
        {"skeyauthentication", "kbdinteractiveauthentication"}, {"tisauthentication", "kbdinteractiveauthentication"},
        {"dsaauthentication", "pubkeyauthentication"}, {"hostbasedkeytypes", "hostbasedacceptedalgorithms"},
        {"pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms"}, {"smartcarddevice", "pkcs11provider"}};
    for (String[] alias : aliases) {
      k.put(alias[0], k.get(alias[1]));
    }
    return Collections.unmodifiableMap(k);
  }
}
