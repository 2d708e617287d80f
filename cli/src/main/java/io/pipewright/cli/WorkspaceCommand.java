package io.pipewright.cli;

import io.pipewright.UserException;
import io.pipewright.Workspace;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** A subcommand working on a workspace: the {@code --workspace} and {@code --store} options and opening it. */
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
    Workspace.Builder builder = Workspace.builder(workspacePath()).store(store);
    if (datastore != null && !datastore.isBlank()) {
      builder.datastore(datastore);
    }
    return builder.open();
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
    return store != null && !store.isBlank();
  }

  /** The workspace's absolute path, for messages. */
  String absoluteWorkspace() {
    return workspacePath().toAbsolutePath().normalize().toString();
  }
}
