package io.pipewright.internal.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.pipewright.DataFile;
import io.pipewright.Dataset;
import io.pipewright.Metrics;
import io.pipewright.Model;
import io.pipewright.internal.util.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A step output once written: files with their manifest (Dataset, Model) or a JSON value (Metrics, values), stored
 * under its content hash. Its manifest file is written last, so an output with a manifest is complete.
 *
 * @param contentHash {@code sha256:<hex>} over its type, manifest and metadata, or its type and value: equal for
 *     equal content, whichever step or run produced it
 * @param type the declared type
 * @param dir the folder of a files output, {@code null} for values
 * @param files the manifest of a files output, empty for values
 * @param metadata a Model's metadata
 * @param value a Metrics or JSON value, {@code null} for files outputs
 * @param manifest where the manifest lies
 */
public record StoredOutput(String contentHash, Class<?> type, Path dir, List<DataFile> files, Map<String, Object> metadata,
    JsonNode value, Path manifest) {

  /** Where users find it: the folder of files, or the manifest holding the value. */
  public String location() {
    return (dir != null ? dir : manifest).toString();
  }

  public Dataset asDataset() {
    return new Dataset(dir, files);
  }

  public Model asModel() {
    return new Model(dir, files, metadata);
  }

  public Metrics asMetrics() {
    Map<String, Double> values = Json.MAPPER.convertValue(value, Json.MAPPER.getTypeFactory()
        .constructMapType(Map.class, String.class, Double.class));
    return Metrics.of(values);
  }
}
