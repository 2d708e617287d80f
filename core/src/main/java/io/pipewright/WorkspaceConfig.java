package io.pipewright;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pipewright.spi.ComputeTargetSettings;
import io.pipewright.spi.RunStoreProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A workspace's config file: its compute targets, whether unbound target names fall back to {@code local}, its run
 * store and its datastore. JSON:
 *
 * <pre>{@code
 * {
 *   "targets": {
 *     "etl": {"type": "local", "threads": 4},
 *     "gpu": {"type": "gpu", "devices": "all"}
 *   },
 *   "fallbackToLocal": false,
 *   "store": "jdbc:postgresql://db:5432/pipewright?user=ml",
 *   "datastore": "azureblob://acct/ml/ws",
 *   "datastoreSettings": {"endpoint": "https://acct.blob.core.windows.net"}
 * }
 * }</pre>
 *
 * Every key is optional. Reading checks the form: a syntax error is one line with the file, line and column; an unknown
 * key or a value of the wrong type is one line naming its key path ({@code targets.gpu: expected an object, got a
 * string}). A target's own settings are checked by its type's provider when the workspace opens. Used with {@link
 * Workspace.Builder#config(Path)}, where what the builder is told explicitly wins over the file, or {@code --config}
 * on the command line. Immutable; {@link #toString()} shows no secrets.
 */
public final class WorkspaceConfig {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final Set<String> KEYS = new TreeSet<>(Set.of("targets", "fallbackToLocal", "store", "datastore",
      "datastoreSettings"));

  private final String source;
  private final Map<String, ComputeTargetSettings> targets;
  private final Boolean fallbackToLocal;
  private final String store;
  private final String datastore;
  private final Map<String, String> datastoreSettings;

  private WorkspaceConfig(String source, Map<String, ComputeTargetSettings> targets, Boolean fallbackToLocal,
      String store, String datastore, Map<String, String> datastoreSettings) {
    this.source = source;
    this.targets = Collections.unmodifiableMap(targets);
    this.fallbackToLocal = fallbackToLocal;
    this.store = store;
    this.datastore = datastore;
    this.datastoreSettings = Collections.unmodifiableMap(datastoreSettings);
  }

  /** A config with nothing in it: every default. */
  public static WorkspaceConfig empty() {
    return new WorkspaceConfig("(none)", new LinkedHashMap<>(), null, null, null, new LinkedHashMap<>());
  }

  /**
   * Reads and checks a config file.
   *
   * @throws UserException one line naming the file and what is wrong with it
   */
  public static WorkspaceConfig read(Path file) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new UserException("config " + file + ": no such file");
    } catch (IOException e) {
      throw new UserException("config " + file + ": cannot read it: " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  /**
   * Parses config text.
   *
   * @param source what messages call it: the file name, usually
   * @throws UserException one line naming the source and what is wrong
   */
  public static WorkspaceConfig parse(String text, String source) {
    Objects.requireNonNull(text, "text");
    JsonNode root;
    try {
      root = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String message = Objects.requireNonNullElse(e.getOriginalMessage(), e.getClass().getSimpleName());
      int newline = message.indexOf('\n');
      throw new UserException("config " + source + (at == null ? "" : ", line " + at.getLineNr() + ", column "
          + at.getColumnNr()) + ": syntax error: " + (newline < 0 ? message : message.substring(0, newline)), e);
    }
    if (root == null || root.isMissingNode()) {
      throw new UserException("config " + source + ": empty -- give a JSON object such as {\"targets\": {}}");
    }
    String prefix = "config " + source + ": ";
    if (!root.isObject()) {
      throw new UserException(prefix + "expected a JSON object, got " + kind(root));
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        throw new UserException(prefix + key + ": unknown key (known: " + String.join(", ", KEYS) + ")");
      }
    }
    Map<String, ComputeTargetSettings> targets = new LinkedHashMap<>();
    JsonNode targetsNode = root.get("targets");
    if (targetsNode != null && !targetsNode.isNull()) {
      object(prefix, "targets", targetsNode);
      for (Map.Entry<String, JsonNode> entry : targetsNode.properties()) {
        String name = entry.getKey();
        String path = "targets." + name;
        try {
          Pipeline.checkName("compute target", name);
        } catch (IllegalArgumentException e) {
          throw new UserException(prefix + path + ": " + e.getMessage(), e);
        }
        JsonNode target = entry.getValue();
        object(prefix, path, target);
        JsonNode type = target.get("type");
        if (type == null || type.isNull()) {
          throw new UserException(prefix + path + ".type: missing -- say which kind of target it is (local,"
              + " process, gpu, spark, kubernetes)");
        }
        if (!type.isTextual() || type.asText().isBlank()) {
          throw new UserException(prefix + path + ".type: expected a type name such as \"local\", got "
              + kind(type));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : target.properties()) {
          if (!field.getKey().equals("type")) {
            settings.put(field.getKey(), MAPPER.convertValue(field.getValue(), Object.class));
          }
        }
        targets.put(name, new ComputeTargetSettings(name, type.asText(), settings));
      }
    }
    Boolean fallback = null;
    JsonNode fallbackNode = root.get("fallbackToLocal");
    if (fallbackNode != null && !fallbackNode.isNull()) {
      if (!fallbackNode.isBoolean()) {
        throw new UserException(prefix + "fallbackToLocal: expected true or false, got " + shown(fallbackNode));
      }
      fallback = fallbackNode.asBoolean();
    }
    String store = text(prefix, "store", root.get("store"), true);
    String datastore = text(prefix, "datastore", root.get("datastore"), true);
    Map<String, String> datastoreSettings = new LinkedHashMap<>();
    JsonNode settingsNode = root.get("datastoreSettings");
    if (settingsNode != null && !settingsNode.isNull()) {
      object(prefix, "datastoreSettings", settingsNode);
      for (Map.Entry<String, JsonNode> entry : settingsNode.properties()) {
        // Settings may be credentials: their values never appear in a message.
        datastoreSettings.put(entry.getKey(), text(prefix, "datastoreSettings." + entry.getKey(), entry.getValue(),
            false));
      }
    }
    return new WorkspaceConfig(source, targets, fallback, store, datastore, datastoreSettings);
  }

  private static void object(String prefix, String path, JsonNode node) {
    if (!node.isObject()) {
      throw new UserException(prefix + path + ": expected an object, got " + kind(node));
    }
  }

  private static String text(String prefix, String path, JsonNode node, boolean showValue) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new UserException(prefix + path + ": expected a string, got " + (showValue ? shown(node) : kind(node)));
    }
    return node.asText();
  }

  private static String shown(JsonNode node) {
    String text = node.isValueNode() ? node.toString() : "";
    return text.isEmpty() || text.length() > 60 ? kind(node) : text;
  }

  private static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case ARRAY -> "a list";
      case OBJECT -> "an object";
      case NULL -> "null";
      default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** Where it was read from, as messages name it. */
  public String source() {
    return source;
  }

  /** The targets it defines, by logical name, in the file's order. */
  public Map<String, ComputeTargetSettings> targets() {
    return targets;
  }

  /** Whether step target names that no target is bound to run on {@code local}, if the file says. */
  public Optional<Boolean> fallbackToLocal() {
    return Optional.ofNullable(fallbackToLocal);
  }

  /** The shared run store's URL, if the file names one. */
  public Optional<String> store() {
    return Optional.ofNullable(store).filter(s -> !s.isBlank());
  }

  /** The datastore the workspace mirrors its outputs in, if the file names one. */
  public Optional<String> datastore() {
    return Optional.ofNullable(datastore).filter(s -> !s.isBlank());
  }

  /** The datastore's settings (credentials, endpoint): never logged. */
  public Map<String, String> datastoreSettings() {
    return datastoreSettings;
  }

  /** What it holds, with the store's password masked and no datastore setting's value. */
  @Override
  public String toString() {
    return "WorkspaceConfig " + source + " {targets=" + targets.values() + ", fallbackToLocal=" + fallbackToLocal
        + ", store=" + RunStoreProvider.masked(store) + ", datastore=" + datastore + ", datastoreSettings="
        + datastoreSettings.keySet() + "}";
  }
}
