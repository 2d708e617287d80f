package io.pipewright.internal.registry;

import io.pipewright.UserException;
import io.pipewright.internal.engine.OutputStore;
import io.pipewright.internal.engine.StoredOutput;
import io.pipewright.internal.store.Registration;
import io.pipewright.internal.store.RunStore;
import io.pipewright.internal.util.FileTrees;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What the dataset and model registries share: copying files into the object store first and recording the version
 * last, and finding a version by reference with errors that list what there is.
 */
abstract class Registry {
  final RunStore store;
  final OutputStore outputs;
  final Path workspace;
  final Clock clock;
  final String kind;

  Registry(RunStore store, OutputStore outputs, Path workspace, Clock clock, String kind) {
    this.store = store;
    this.outputs = outputs;
    this.workspace = workspace;
    this.clock = clock;
    this.kind = kind;
  }

  /** Fills a staging folder, stores its files under their content hash, and removes the staging folder. */
  StoredOutput storeFiles(Class<?> type, Consumer<Path> fill) {
    Path staging = outputs.stagingFolder().resolve("registry-" + UUID.randomUUID());
    try {
      fill.accept(staging);
      try {
        StoredOutput stored = outputs.commitFiles(type, staging, outputs.manifest(staging), Map.of());
        outputs.publish(stored); // for workspaces on other machines that share the run store
        return stored;
      } catch (IOException | java.io.UncheckedIOException e) {
        throw new UserException("cannot store the files in workspace " + workspace + ": " + e.getMessage(), e);
      }
    } finally {
      FileTrees.deleteRecursively(staging);
    }
  }

  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** The version a reference names, or a UserException listing the names, versions or tags there are. */
  Registration find(String reference, boolean tags) {
    Names.Reference ref = Names.parse(kind, reference, tags);
    List<Registration> versions = store.registrations(kind, ref.name());
    if (versions.isEmpty()) {
      Set<String> names = store.registrations(kind, null).stream().map(Registration::name)
          .collect(Collectors.toCollection(TreeSet::new));
      throw new UserException("no " + kind + " '" + ref.name() + "' in workspace " + workspace + " ("
          + (names.isEmpty() ? "no " + kind + "s are registered" : kind + "s: " + abbreviate(names)) + ")");
    }
    if (ref.version() != null) {
      return versions.stream().filter(r -> r.version() == ref.version()).findFirst()
          .orElseThrow(() -> new UserException(kind + " '" + ref.name() + "' has no version " + ref.version()
              + " (versions: " + abbreviate(versions.stream().map(r -> Long.toString(r.version())).toList()) + ")"));
    }
    if (ref.tag() != null) {
      Optional<Registration> tagged = versions.stream().filter(r -> r.tags().contains(ref.tag())).findFirst();
      return tagged.orElseThrow(() -> new UserException(kind + " '" + ref.name() + "' has no version tagged '"
          + ref.tag() + "' (tags: " + tagsOf(versions) + ")"));
    }
    return versions.get(versions.size() - 1);
  }

  private static String tagsOf(List<Registration> versions) {
    List<String> tags = versions.stream().flatMap(r -> r.tags().stream().sorted().map(t -> t + "=" + r.version()))
        .toList();
    return tags.isEmpty() ? "none" : String.join(", ", tags);
  }

  /** The latest version of each name. */
  List<Registration> latest() {
    Map<String, Registration> latest = new java.util.TreeMap<>();
    store.registrations(kind, null).forEach(r -> latest.put(r.name(), r)); // by name, then version: last wins
    return List.copyOf(latest.values());
  }

  /** The stored files of a version, or a UserException saying they are gone. */
  StoredOutput files(Registration r) {
    return outputs.loadOrFetch(r.contentHash()).orElseThrow(() -> new UserException(kind + " " + r.name() + ":"
        + r.version() + ": its files in workspace " + workspace + " are missing or damaged -- register them again"));
  }

  static int version(Registration r) {
    return Math.toIntExact(r.version());
  }

  private static String abbreviate(java.util.Collection<String> values) {
    return values.stream().limit(20).collect(Collectors.joining(", ")) + (values.size() > 20 ? ", ..." : "");
  }
}
