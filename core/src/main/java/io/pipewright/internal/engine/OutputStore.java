package io.pipewright.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.DataFile;
import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Model;
import io.pipewright.internal.util.FileTrees;
import io.pipewright.internal.util.Json;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The local datastore's layout for step outputs. A step writes into a private staging folder per attempt; only when
 * the step succeeded does the engine move each output into place and write its manifest, last. A crash therefore
 * leaves staging debris, never an output that looks complete but is not.
 *
 * <pre>
 * data/runs/RUN/STEP/OUTPUT/...          files of a Dataset or Model output
 * data/runs/RUN/STEP/OUTPUT.json         its manifest (type, files, metadata, or the value)
 * tmp/RUN/STEP/ATTEMPT/OUTPUT/...        staging, removed when the run ends
 * </pre>
 */
public final class OutputStore {
  private final Path data;
  private final Path tmp;

  public OutputStore(Path data, Path tmp) {
    this.data = data;
    this.tmp = tmp;
  }

  public Path staging(String runId, String step, int attempt) {
    return tmp.resolve(runId).resolve(step).resolve(Integer.toString(attempt));
  }

  public Path runStaging(String runId) {
    return tmp.resolve(runId);
  }

  private Path finalDir(String runId, String step) {
    return data.resolve("runs").resolve(runId).resolve(step);
  }

  /**
   * Moves a files output from staging into place and writes its manifest.
   *
   * @param files the manifest computed over the staged files
   */
  public StoredOutput commitFiles(String runId, String step, String output, Class<?> type, Path staged,
      List<DataFile> files, Map<String, Object> metadata) throws IOException {
    Path target = finalDir(runId, step).resolve(output);
    Files.createDirectories(target.getParent());
    try {
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(staged, target);
    }
    ObjectNode manifest = Json.MAPPER.createObjectNode();
    manifest.put("type", type.getSimpleName());
    manifest.set("files", Json.MAPPER.valueToTree(files));
    manifest.set("metadata", Json.MAPPER.valueToTree(metadata));
    Path manifestFile = writeManifest(target.resolveSibling(output + ".json"), manifest);
    return new StoredOutput(type, target, files, metadata, null, manifestFile);
  }

  /** Writes a Metrics or JSON value output: its manifest is all there is. */
  public StoredOutput commitValue(String runId, String step, String output, Class<?> type, JsonNode value)
      throws IOException {
    Path dir = finalDir(runId, step);
    Files.createDirectories(dir);
    ObjectNode manifest = Json.MAPPER.createObjectNode();
    manifest.put("type", type.getSimpleName());
    manifest.set("value", value);
    Path manifestFile = writeManifest(dir.resolve(output + ".json"), manifest);
    return new StoredOutput(type, null, List.of(), Map.of(), value, manifestFile);
  }

  private static Path writeManifest(Path file, JsonNode manifest) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Files.writeString(partial, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
    try {
      Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return file;
  }

  /** Reads an external file or folder as a Dataset, hashing every file. */
  public static Dataset external(Path path) throws IOException {
    Path root = Files.isDirectory(path) ? path : path.getParent();
    return new Dataset(root, FileTrees.manifest(root, path));
  }

  static boolean isMetrics(Class<?> type) {
    return type == Metrics.class;
  }

  static boolean isModel(Class<?> type) {
    return type == Model.class;
  }
}
