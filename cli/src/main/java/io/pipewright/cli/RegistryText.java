package io.pipewright.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.DataFile;
import io.pipewright.Lineage;
import io.pipewright.RegisteredDataset;
import io.pipewright.RegisteredModel;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Text tables and JSON of registered datasets and models, and lineage trees, for the commands that show them. */
final class RegistryText {
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
      .withZone(ZoneId.systemDefault());

  private RegistryText() {}

  static String time(Instant instant) {
    return SECONDS.format(instant);
  }

  static String shortHash(String hash) {
    return hash.length() > 19 ? hash.substring(0, 19) : hash;
  }

  static String files(List<DataFile> files) {
    long bytes = files.stream().mapToLong(DataFile::size).sum();
    return files.size() + (files.size() == 1 ? " file, " : " files, ") + GcCommand.bytes(bytes);
  }

  // ---------------------------------------------------------------- datasets

  static List<String> datasetTable(List<RegisteredDataset> datasets) {
    Table table = new Table("NAME", "VERSION", "FILES", "SIZE", "REGISTERED", "DESCRIPTION");
    for (RegisteredDataset d : datasets) {
      table.row(d.name(), Integer.toString(d.version()), Integer.toString(d.dataset().files().size()),
          GcCommand.bytes(d.dataset().size()), time(d.createdAt()), d.description());
    }
    return table.lines("");
  }

  static List<String> datasetDetails(RegisteredDataset d, List<Integer> versions) {
    List<String> lines = new ArrayList<>();
    lines.add("dataset " + d.reference() + "  " + d.contentHash());
    if (!d.description().isEmpty()) {
      lines.add("  description: " + d.description());
    }
    lines.add("  source:      " + d.source());
    lines.add("  registered:  " + time(d.createdAt()));
    if (!d.tags().isEmpty()) {
      lines.add("  tags:        " + tags(d.tags()));
    }
    lines.add("  versions:    " + versions.stream().map(String::valueOf).collect(Collectors.joining(", ")));
    lines.add("  folder:      " + d.root());
    lines.add("  files:       " + files(d.dataset().files()));
    Table table = new Table("PATH", "SIZE", "SHA256");
    d.dataset().files().forEach(f -> table.row(f.path(), GcCommand.bytes(f.size()), f.sha256().substring(0, 12)));
    lines.addAll(table.lines("    "));
    return lines;
  }

  static String tags(Map<String, String> tags) {
    return new TreeMap<>(tags).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
  }

  static ObjectNode json(RegisteredDataset d, boolean withFiles) {
    ObjectNode node = RunJson.object();
    node.put("name", d.name());
    node.put("version", d.version());
    node.put("reference", d.reference());
    node.put("contentHash", d.contentHash());
    node.put("description", d.description());
    node.set("tags", node.objectNode().setAll(jsonMap(d.tags())));
    node.put("source", d.source());
    node.put("createdAt", d.createdAt().toString());
    node.put("path", d.root().toString());
    node.put("fileCount", d.dataset().files().size());
    node.put("bytes", d.dataset().size());
    if (withFiles) {
      ArrayNode files = node.putArray("files");
      d.dataset().files().forEach(f -> files.addObject().put("path", f.path()).put("size", f.size())
          .put("sha256", f.sha256()));
    }
    return node;
  }

  private static Map<String, com.fasterxml.jackson.databind.JsonNode> jsonMap(Map<String, String> values) {
    Map<String, com.fasterxml.jackson.databind.JsonNode> nodes = new TreeMap<>();
    values.forEach((k, v) -> nodes.put(k, com.fasterxml.jackson.databind.node.TextNode.valueOf(v)));
    return nodes;
  }

  // ---------------------------------------------------------------- models

  static List<String> modelTable(List<RegisteredModel> models) {
    Table table = new Table("NAME", "VERSION", "FRAMEWORK", "TAGS", "REGISTERED", "METRICS");
    for (RegisteredModel m : models) {
      table.row(m.name(), Integer.toString(m.version()), m.framework(), String.join(",", new TreeSet<>(m.tags())),
          time(m.createdAt()), metrics(m.metrics()));
    }
    return table.lines("");
  }

  static String metrics(Map<String, Double> metrics) {
    return new TreeMap<>(metrics).entrySet().stream().map(e -> e.getKey() + "=" + io.pipewright.internal.util.Text.number(e.getValue()))
        .collect(Collectors.joining(" "));
  }

  static List<String> modelDetails(RegisteredModel m, List<RegisteredModel> versions) {
    List<String> lines = new ArrayList<>();
    lines.add("model " + m.reference() + "  " + m.contentHash());
    if (!m.description().isEmpty()) {
      lines.add("  description: " + m.description());
    }
    lines.add("  framework:   " + (m.framework().isEmpty() ? "(not given)" : m.framework()));
    lines.add("  tags:        " + (m.tags().isEmpty() ? "none" : String.join(", ", new TreeSet<>(m.tags()))));
    lines.add("  metrics:     " + (m.metrics().isEmpty() ? "none" : metrics(m.metrics())));
    lines.add("  registered:  " + time(m.createdAt()) + (m.runId() == null ? " from code"
        : " by run " + m.runId().substring(0, Math.min(8, m.runId().length())) + " step " + m.step()));
    lines.add("  versions:    " + versions.stream().map(v -> v.version() + (v.tags().isEmpty() ? ""
        : " (" + String.join(", ", new TreeSet<>(v.tags())) + ")")).collect(Collectors.joining(", ")));
    lines.add("  folder:      " + m.dir());
    lines.add("  files:       " + files(m.model().files()));
    Table table = new Table("PATH", "SIZE", "SHA256");
    m.model().files().forEach(f -> table.row(f.path(), GcCommand.bytes(f.size()), f.sha256().substring(0, 12)));
    lines.addAll(table.lines("    "));
    return lines;
  }

  static ObjectNode json(RegisteredModel m, boolean withFiles) {
    ObjectNode node = RunJson.object();
    node.put("name", m.name());
    node.put("version", m.version());
    node.put("reference", m.reference());
    node.put("contentHash", m.contentHash());
    node.put("framework", m.framework());
    node.put("description", m.description());
    ArrayNode tags = node.putArray("tags");
    new TreeSet<>(m.tags()).forEach(tags::add);
    ObjectNode metrics = node.putObject("metrics");
    new TreeMap<>(m.metrics()).forEach(metrics::put);
    node.put("runId", m.runId());
    node.put("step", m.step());
    node.put("createdAt", m.createdAt().toString());
    node.put("path", m.dir().toString());
    if (withFiles) {
      ArrayNode files = node.putArray("files");
      m.model().files().forEach(f -> files.addObject().put("path", f.path()).put("size", f.size())
          .put("sha256", f.sha256()));
    }
    return node;
  }

  // ---------------------------------------------------------------- lineage

  /** {@code {contentHash, title, registeredAs, producer: {runId, pipeline, step, output} | null, inputs: [{name, node}], usedBy}}. */
  static ObjectNode json(Lineage.Node n) {
    ObjectNode node = RunJson.object();
    node.put("contentHash", n.contentHash());
    node.put("title", n.title());
    ArrayNode registered = node.putArray("registeredAs");
    n.registeredAs().forEach(registered::add);
    if (n.producer() == null) {
      node.putNull("producer");
    } else {
      node.putObject("producer").put("runId", n.producer().runId()).put("pipeline", n.producer().pipeline())
          .put("step", n.producer().step()).put("output", n.producer().output());
    }
    ArrayNode inputs = node.putArray("inputs");
    n.inputs().forEach(i -> inputs.addObject().put("name", i.name()).set("node", json(i.node())));
    ArrayNode uses = node.putArray("usedBy");
    n.usedBy().forEach(u -> uses.addObject().put("runId", u.runId()).put("pipeline", u.pipeline())
        .put("step", u.step()).put("input", u.input()).put("status", u.status().name()));
    return node;
  }
}
