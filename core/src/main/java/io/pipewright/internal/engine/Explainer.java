package io.pipewright.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.Explanation;
import io.pipewright.Explanation.Cause;
import io.pipewright.Fingerprint;
import io.pipewright.Fingerprint.Component;
import io.pipewright.Run;
import io.pipewright.StepKind;
import io.pipewright.StepRun;
import io.pipewright.StepStatus;
import io.pipewright.internal.fingerprint.CodeIdentity;
import io.pipewright.internal.store.ReuseMiss;
import io.pipewright.internal.store.RunStore;
import io.pipewright.internal.store.StepExecution;
import io.pipewright.internal.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Says why a step of a recorded run ran or was reused, from the run store and the stored outputs' manifests.
 *
 * <p>The store records each execution's fingerprint and whether it was not reusable, but not the run's reuse option
 * nor the step's {@code allowReuse}: when the fingerprint equals an earlier one, these are inferred. No cache entry for
 * the fingerprint while the earlier outputs are intact means the step does not allow reuse (a deploy step that never
 * recorded one, too); a run that reused other steps, or earlier outputs that are gone, means the outputs could not be
 * reused; otherwise reuse was off for the run.
 */
public final class Explainer {
  private static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  /** Changed files named in an input's difference, at most. */
  private static final int FILES_SHOWN = 5;
  /** A value input is shown as {@code value A -> B} while both are at most this long. */
  private static final int VALUE_SHOWN = 40;

  private final RunStore store;
  private final Path objects;

  /** @param objects the object store's folder, {@code data/objects} of the workspace */
  public Explainer(RunStore store, Path objects) {
    this.store = store;
    this.objects = objects;
  }

  /** Explains step {@code step} of a loaded run; the step must exist. */
  public Explanation explain(Run run, String step) {
    StepRun s = run.step(step);
    String fp = s.fingerprint();
    if (s.status() == StepStatus.REUSED) {
      return new Explanation(run.id(), step, s.status(), Cause.REUSED, fp, null, null, s.reusedFrom(),
          "its fingerprint matches run " + shortId(s.reusedFrom()) + "'s, whose outputs were intact", List.of());
    }
    if (fp == null) {
      String reason = s.reason() != null ? s.reason() : s.error() != null ? s.error()
          : "it has not become ready yet";
      return new Explanation(run.id(), step, s.status(), Cause.NOT_FINGERPRINTED, null, null, null, null, reason,
          List.of());
    }
    Optional<StepExecution> self = store.stepExecution(run.id(), step);
    String notReusable = self.map(StepExecution::notReusable).orElse(null);
    if (notReusable != null) {
      return ran(run, s, Cause.NOT_REUSABLE, null, notReusable);
    }
    ReuseMiss.Reason miss = self.map(StepExecution::reuseMiss).orElse(null);
    if (miss != null && miss != ReuseMiss.Reason.NO_ENTRY) {
      return recordedMiss(run, s, miss);
    }
    if (s.kind() == StepKind.DEPLOY && store.cacheEntry(fp).isEmpty()) {
      return ran(run, s, Cause.REUSE_NOT_ALLOWED, null,
          "the step does not allow reuse (deploy steps run every time)");
    }
    Optional<StepExecution> same = store.previousExecutionWithFingerprint(fp, run.id());
    if (same.isPresent()) {
      return sameFingerprint(run, s, same.get(), miss);
    }
    Optional<StepExecution> previous = store.previousExecution(run.pipeline(), step, run.id());
    if (previous.isEmpty()) {
      return ran(run, s, Cause.FIRST_EXECUTION, null, "first execution of this step in the workspace");
    }
    StepExecution before = previous.get();
    List<String> differences = differences(before.fingerprint(), fp);
    return new Explanation(run.id(), step, s.status(), Cause.FINGERPRINT_CHANGED, fp, before.runId(),
        before.runStartedAt(), null, "its fingerprint differs from run " + shortId(before.runId()) + "'s",
        differences);
  }

  /** The engine recorded why the step ran: say that, naming the earlier execution it could not use. */
  private Explanation recordedMiss(Run run, StepRun s, ReuseMiss.Reason miss) {
    StepExecution earlier = store.previousExecutionWithFingerprint(s.fingerprint(), run.id()).orElse(null);
    String same = earlier == null ? "" : " (its fingerprint equals run " + shortId(earlier.runId()) + "'s)";
    return switch (miss) {
      case REUSE_OFF -> ran(run, s, Cause.REUSE_OFF, earlier, "reuse was off for the run" + same);
      case NOT_ALLOWED -> ran(run, s, Cause.REUSE_NOT_ALLOWED, null, s.kind() == StepKind.DEPLOY
          ? "the step does not allow reuse (deploy steps run every time)" : "the step does not allow reuse");
      case TOO_OLD -> ran(run, s, Cause.OUTPUTS_NOT_REUSABLE, earlier, (earlier == null
          ? "the latest execution with its fingerprint" : "run " + shortId(earlier.runId()) + " has the same"
          + " fingerprint, but it") + " is older than the step's maxReuseAge");
      case OUTPUTS_DAMAGED -> ran(run, s, Cause.OUTPUTS_NOT_REUSABLE, earlier, (earlier == null
          ? "the latest execution with its fingerprint" : "run " + shortId(earlier.runId()) + " has the same"
          + " fingerprint, but its") + " outputs were missing or damaged");
      case NO_ENTRY -> throw new IllegalArgumentException("not a recorded miss: " + miss);
    };
  }

  /** @param miss why the engine said it ran, if recorded: then the cache as it was, not as it is now, decides */
  private Explanation sameFingerprint(Run run, StepRun s, StepExecution earlier, ReuseMiss.Reason miss) {
    boolean intact = earlier.outputs().values().stream().allMatch(this::intact);
    String other = shortId(earlier.runId());
    boolean noEntry = miss == ReuseMiss.Reason.NO_ENTRY || store.cacheEntry(s.fingerprint()).isEmpty();
    if (earlier.keptFromReuse() != null && noEntry) {
      return ran(run, s, Cause.OUTPUTS_NOT_REUSABLE, earlier, "run " + other + " has the same fingerprint, but its"
          + " outputs were kept from reuse: " + earlier.keptFromReuse());
    }
    if (intact && store.cacheEntry(s.fingerprint()).isEmpty()) {
      return ran(run, s, Cause.REUSE_NOT_ALLOWED, null, "the step does not allow reuse");
    }
    boolean reusedOthers = run.steps().stream().anyMatch(step -> step.status() == StepStatus.REUSED);
    if (reusedOthers || !intact) {
      return ran(run, s, Cause.OUTPUTS_NOT_REUSABLE, earlier, "run " + other + " has the same fingerprint, but its"
          + " outputs were missing or damaged (or older than the step's maxReuseAge)");
    }
    return ran(run, s, Cause.REUSE_OFF, earlier, "reuse was off for the run (its fingerprint equals run " + other
        + "'s)");
  }

  private static Explanation ran(Run run, StepRun s, Cause cause, StepExecution compared, String reason) {
    return new Explanation(run.id(), s.name(), s.status(), cause, s.fingerprint(),
        compared == null ? null : compared.runId(), compared == null ? null : compared.runStartedAt(), null, reason,
        List.of());
  }

  private List<String> differences(String before, String after) {
    Optional<Fingerprint> old = store.fingerprint(before);
    Optional<Fingerprint> now = store.fingerprint(after);
    if (old.isEmpty() || now.isEmpty()) {
      return List.of("fingerprint: the components of " + (old.isEmpty() ? before : after) + " are not recorded");
    }
    return differences(old.get(), now.get(), objects);
  }

  /**
   * How fingerprint {@code after} differs from {@code before}, one line per difference, in this order: format, code
   * (classes, libraries, missing classes, lambda, version, state), parameters, inputs, environment. An input whose
   * both contents are outputs in {@code objects} names the files that differ, or shows a short value's change.
   */
  public static List<String> differences(Fingerprint before, Fingerprint after, Path objects) {
    Map<String, String> a = values(before);
    Map<String, String> b = values(after);
    List<String> lines = new ArrayList<>();
    change(lines, "fingerprint format", a.get("format"), b.get("format"));
    lines.addAll(code(b).changesSince(code(a)));
    String ua = a.get("code:unreadable");
    String ub = b.get("code:unreadable");
    if (!Objects.equals(ua, ub)) {
      lines.add(ub != null ? "code: body " + ub + " cannot be read" : "code: body " + ua + " can be read now");
    }
    change(lines, "code: lambda", a.get("code:lambda"), b.get("code:lambda"));
    String va = a.get("code:version");
    String vb = b.get("code:version");
    if (!Objects.equals(va, vb)) {
      lines.add("version: " + (va == null ? "none" : va) + " -> " + (vb == null ? "none" : vb));
    }
    String sa = a.get("code:state");
    String sb = b.get("code:state");
    if (!Objects.equals(sa, sb)) {
      boolean shown = sa != null && sb != null && !sa.startsWith("sha256:") && !sb.startsWith("sha256:");
      lines.add("state: " + (sa == null ? "added" : sb == null ? "removed" : shown ? sa + " -> " + sb : "changed"));
    }
    String fa = a.get("code:source");
    String fb = b.get("code:source");
    if (!Objects.equals(fa, fb)) {
      lines.add("source folder: " + (fa == null ? "added" : fb == null ? "removed"
          : contentChange(objects, fa, fb)));
    }
    for (String name : names(a, b, "param:")) {
      String pa = a.get("param:" + name);
      String pb = b.get("param:" + name);
      if (pa != null && pb != null && (pa.startsWith("sha256:") || pb.startsWith("sha256:"))) {
        lines.add("parameter " + name + ": changed"); // too long to show: kept as its hash
      } else {
        change(lines, "parameter " + name, pa, pb);
      }
    }
    for (String name : names(a, b, "input:")) {
      String ia = a.get("input:" + name);
      String ib = b.get("input:" + name);
      if (ia == null || ib == null) {
        change(lines, "input " + name, ia, ib);
      } else if (!ia.equals(ib)) {
        lines.add("input " + name + ": " + contentChange(objects, ia, ib));
      }
    }
    change(lines, "environment target", a.get("env:target"), b.get("env:target"));
    change(lines, "environment gpus", a.get("env:gpus"), b.get("env:gpus"));
    Set<String> known = new TreeSet<>(a.keySet());
    known.addAll(b.keySet());
    for (String name : known) {
      if (!isKnown(name)) {
        change(lines, name, a.get(name) == null ? null : "changed", b.get(name) == null ? null : "changed");
      }
    }
    return lines;
  }

  private static boolean isKnown(String name) {
    return name.equals("format") || name.startsWith("code:") || name.startsWith("param:")
        || name.startsWith("input:") || name.equals("env:target") || name.equals("env:gpus");
  }

  private static Map<String, String> values(Fingerprint fingerprint) {
    Map<String, String> values = new TreeMap<>();
    for (Component c : fingerprint.components()) {
      values.put(c.name(), c.value());
    }
    return values;
  }

  private static Set<String> names(Map<String, String> a, Map<String, String> b, String prefix) {
    Set<String> names = new TreeSet<>();
    for (String name : a.keySet()) {
      if (name.startsWith(prefix)) {
        names.add(name.substring(prefix.length()));
      }
    }
    for (String name : b.keySet()) {
      if (name.startsWith(prefix)) {
        names.add(name.substring(prefix.length()));
      }
    }
    return names;
  }

  /** {@code LABEL: added}, {@code LABEL: removed} or {@code LABEL: A -> B}; nothing when equal. */
  private static void change(List<String> lines, String label, String before, String after) {
    if (Objects.equals(before, after)) {
      return;
    }
    lines.add(label + ": " + (before == null ? "added" : after == null ? "removed" : before + " -> " + after));
  }

  /** The code identity the {@code code:class:*}, {@code code:library:*} and {@code code:missing:*} components say. */
  private static CodeIdentity code(Map<String, String> components) {
    Map<String, String> classes = new TreeMap<>();
    Map<String, String> libraries = new TreeMap<>();
    Set<String> missing = new TreeSet<>();
    components.forEach((name, value) -> {
      if (name.startsWith("code:class:")) {
        classes.put(name.substring("code:class:".length()), value);
      } else if (name.startsWith("code:library:")) {
        libraries.put(name.substring("code:library:".length()), value);
      } else if (name.startsWith("code:missing:")) {
        missing.add(name.substring("code:missing:".length()));
      }
    });
    return new CodeIdentity("", new TreeMap<>(classes), new TreeMap<>(libraries), new TreeSet<>(missing));
  }

  /** {@code content changed}, with the differing files or the values when both contents are stored outputs. */
  private static String contentChange(Path objects, String before, String after) {
    Optional<JsonNode> a = manifest(objects, before);
    Optional<JsonNode> b = manifest(objects, after);
    if (a.isEmpty() || b.isEmpty()) {
      return "content changed";
    }
    JsonNode va = a.get().get("value");
    JsonNode vb = b.get().get("value");
    if (va != null && vb != null) {
      String ta = Json.write(va);
      String tb = Json.write(vb);
      return ta.length() <= VALUE_SHOWN && tb.length() <= VALUE_SHOWN ? "value " + ta + " -> " + tb
          : "content changed";
    }
    Map<String, String> fa = files(a.get());
    Map<String, String> fb = files(b.get());
    Set<String> all = new TreeSet<>(fa.keySet());
    all.addAll(fb.keySet());
    List<String> changed = all.stream().filter(path -> !Objects.equals(fa.get(path), fb.get(path))).toList();
    if (changed.isEmpty()) {
      return "content changed";
    }
    String names = String.join(", ", changed.subList(0, Math.min(FILES_SHOWN, changed.size())))
        + (changed.size() > FILES_SHOWN ? ", ..." : "");
    return "content changed (" + changed.size() + " of " + all.size() + " files: " + names + ")";
  }

  /** Each file of a files manifest, by relative path: its size and SHA-256. */
  private static Map<String, String> files(JsonNode manifest) {
    Map<String, String> files = new TreeMap<>();
    for (JsonNode f : manifest.path("files")) {
      files.put(f.path("path").asText(), f.path("size").asText() + "/" + f.path("sha256").asText());
    }
    return files;
  }

  private static Optional<JsonNode> manifest(Path objects, String contentHash) {
    if (!HASH.matcher(contentHash).matches()) {
      return Optional.empty();
    }
    String hex = contentHash.substring("sha256:".length());
    return readManifest(objects.resolve(hex.substring(0, 2)).resolve(hex + ".json"));
  }

  private static Optional<JsonNode> readManifest(Path file) {
    try {
      return Optional.of(Json.MAPPER.readTree(Files.readString(file)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // gone, or not an output of this workspace: described without files
    }
  }

  /**
   * Whether an output, by the location a run recorded, is still there: its manifest reads, and each file it lists
   * exists with its size. Outputs lie under their content hash, so the location's last name is the hash.
   */
  private boolean intact(String location) {
    String name = Path.of(location).getFileName().toString();
    String hex = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
    if (!HEX.matcher(hex).matches()) {
      return false;
    }
    Path folder = objects.resolve(hex.substring(0, 2)).resolve(hex);
    Optional<JsonNode> manifest = readManifest(folder.resolveSibling(hex + ".json"));
    if (manifest.isEmpty()) {
      return false;
    }
    try {
      for (JsonNode f : manifest.get().path("files")) {
        Path file = folder.resolve(f.path("path").asText());
        if (!Files.isRegularFile(file) || Files.size(file) != f.path("size").asLong()) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String shortId(String runId) {
    return runId == null || runId.length() <= 8 ? String.valueOf(runId) : runId.substring(0, 8);
  }
}
