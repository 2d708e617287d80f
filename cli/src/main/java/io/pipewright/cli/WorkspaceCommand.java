package io.pipewright.cli;

import io.pipewright.UserException;
import io.pipewright.Workspace;
import io.pipewright.WorkspaceConfig;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * A subcommand working on a workspace: the {@code --workspace}, {@code --store}, {@code --datastore} and
 * {@code --config} options and opening it.
 */
abstract class WorkspaceCommand extends BaseCommand {
  @Option(names = {"-w", "--workspace"}, paramLabel = "DIR", defaultValue = ".pipewright", order = 10,
      description = "The workspace folder, relative to the current one. Default: ${DEFAULT-VALUE}")
  String workspace;

  @Option(names = "--datastore", paramLabel = "URI", order = 12, defaultValue = "${env:PIPEWRIGHT_DATASTORE:-}",
      description = "Mirror stored outputs in this datastore (azureblob://account/container/prefix, or a shared"
          + " folder), for workspaces on other machines that share the run store. Default: $PIPEWRIGHT_DATASTORE")
  String datastore;

  @Option(names = "--store", paramLabel = "URL", defaultValue = "${env:PIPEWRIGHT_STORE:-}", order = 11,
      description = {"Record and read runs in this shared run store, such as "
          + "jdbc:postgresql://db:5432/pipewright?user=ml (a password from the URL or PGPASSWORD).",
          "Default: $PIPEWRIGHT_STORE, else the workspace's own SQLite file."})
  String store;

  @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:PIPEWRIGHT_CONFIG:-}", order = 13,
      description = {"The workspace config file (JSON): compute targets, fallbackToLocal, store, datastore and its"
          + " settings. --store and --datastore win over it.", "Default: $PIPEWRIGHT_CONFIG, else none."})
  String config;

  private WorkspaceConfig readConfig;

  WorkspaceCommand(Terminal term) {
    super(term);
  }

  Path workspacePath() {
    try {
      return Path.of(workspace);
    } catch (InvalidPathException e) {
      throw new UserException("invalid --workspace '" + workspace + "': " + e.getMessage(), e);
    }
  }

  /** Opens the workspace, creating it if absent. */
  Workspace open() {
    Workspace.Builder builder = Workspace.builder(workspacePath()).config(config());
    if (store != null && !store.isBlank()) {
      builder.store(store);
    }
    if (datastore != null && !datastore.isBlank()) {
      builder.datastore(datastore);
    }
    return builder.open();
  }

  /** The config file given with --config or $PIPEWRIGHT_CONFIG, read once; empty without one. */
  WorkspaceConfig config() {
    if (readConfig == null) {
      if (config == null || config.isBlank()) {
        readConfig = WorkspaceConfig.empty();
      } else {
        try {
          readConfig = WorkspaceConfig.read(Path.of(config));
        } catch (InvalidPathException e) {
          throw new UserException("invalid --config '" + config + "': " + e.getMessage(), e);
        }
      }
    }
    return readConfig;
  }

  /**
   * Opens the workspace to look up {@code runId} in it; when there is no workspace, says so rather than creating
   * an empty one.
   */
  Workspace openExisting(String runId) {
    if (!exists()) {
      throw new UserException("no run '" + runId + "': there is no workspace " + absoluteWorkspace()
          + " -- give the right one with --workspace");
    }
    return open();
  }

  /**
   * Whether the workspace exists: commands that only read it do not create one where the user merely looked. A
   * path that exists but is not a folder counts as existing, so that opening it reports the problem. With a shared
   * run store the runs are there, wherever the workspace folder is: it counts as existing.
   */
  boolean exists() {
    return sharedStore() || Files.exists(workspacePath());
  }

  /** Whether runs are recorded in a shared store rather than the workspace's own file. */
  boolean sharedStore() {
    return store != null && !store.isBlank() || config().store().isPresent();
  }

  /** The workspace's absolute path, for messages. */
  String absoluteWorkspace() {
    return workspacePath().toAbsolutePath().normalize().toString();
  }
}
