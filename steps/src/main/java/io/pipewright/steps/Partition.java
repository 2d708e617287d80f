package io.pipewright.steps;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One piece of a {@link Parallel} step's input, as its {@link PartitionFunction} receives it: a whole file of the
 * input Dataset, or a chunk of rows of one of its text files.
 *
 * <p>A partition's result must depend only on its content and its {@link #name() name}: those are what its reuse key
 * holds (with the step's code, parameters and other inputs). Its {@link #index() index} is not, since adding a file
 * in front would otherwise recompute every partition after it; use it for progress, never in the output.
 *
 * @param index the position in partition order, from 0: files in manifest order (sorted paths), a file's chunks in
 *     row order
 * @param name what the partition is, stable across runs: the file's path in the dataset ({@code images/cat.png}),
 *     or for a chunk that path and its rows, counted from 0 without the header ({@code data.csv#0-999})
 * @param files the files to read: the input file itself (read it, never write it), or for a chunk a temporary file
 *     holding the header (when declared) and the chunk's rows, named like the input file and deleted once the
 *     partition is done. One file today; a list so that a partition can later group several.
 * @param rows for a chunk, which rows of which file it holds; empty for a whole-file partition
 * @param contentHash {@code sha256:<hex>} of the partition's content: the file's hash from the manifest, or the hash
 *     of the chunk file's bytes (header included)
 */
public record Partition(int index, String name, List<Path> files, Optional<Rows> rows, String contentHash) {
  public Partition {
    if (index < 0) {
      throw new IllegalArgumentException("partition index must be >= 0, was " + index);
    }
    Objects.requireNonNull(name, "name");
    files = List.copyOf(files);
    if (files.isEmpty()) {
      throw new IllegalArgumentException("partition '" + name + "' has no files");
    }
    Objects.requireNonNull(rows, "rows");
    Objects.requireNonNull(contentHash, "contentHash");
  }

  /** The partition's only file: the one to read. */
  public Path file() {
    if (files.size() != 1) {
      throw new IllegalStateException("partition " + index + " '" + name + "' has " + files.size()
          + " files, not exactly one: read files()");
    }
    return files.get(0);
  }

  @Override
  public String toString() {
    return "partition " + index + " '" + name + "'";
  }

  /**
   * The rows of a chunk.
   *
   * @param source the path of the file they come from, relative to the dataset root, with {@code /} separators
   * @param first the index of the chunk's first row in that file, from 0, not counting the header
   * @param count how many rows the chunk holds (the last chunk of a file may hold fewer than asked)
   */
  public record Rows(String source, long first, long count) {
    public Rows {
      Objects.requireNonNull(source, "source");
      if (first < 0 || count < 1) {
        throw new IllegalArgumentException("rows must start at >= 0 and count >= 1, were " + first + " and " + count);
      }
    }
  }
}
