package io.pipewright.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.DatasetOptions;
import io.pipewright.RegisteredDataset;
import io.pipewright.UserException;
import io.pipewright.Workspace;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pipewright datasets [list|show|register]}: the datasets registered in the workspace. Without a subcommand,
 * lists them.
 */
@Command(name = "datasets", sortOptions = false,
    description = {"List the registered datasets (the latest version of each); show or register one.",
        "A registered version is an immutable copy of its files in the workspace; a pipeline takes one through a"
            + " DATASET parameter (--param data=digits:2)."})
final class DatasetsCommand extends WorkspaceCommand {
  DatasetsCommand(Terminal term) {
    super(term);
  }

  /** The command with its subcommands. */
  static CommandLine create(Terminal term) {
    return new CommandLine(new DatasetsCommand(term))
        .addSubcommand(new ListDatasets(term))
        .addSubcommand(new ShowDataset(term))
        .addSubcommand(new RegisterDataset(term));
  }

  @Override
  int execute() {
    return list(this);
  }

  static int list(WorkspaceCommand command) {
    List<RegisteredDataset> datasets = List.of();
    if (command.exists()) {
      try (Workspace ws = command.open()) {
        datasets = ws.datasets().list();
      }
    }
    if (command.json) {
      ObjectNode node = RunJson.object().put("workspace", command.absoluteWorkspace());
      ArrayNode array = node.putArray("datasets");
      datasets.forEach(d -> array.add(RegistryText.json(d, false)));
      command.term.line(RunJson.write(node));
    } else if (datasets.isEmpty()) {
      command.term.line("no datasets in workspace " + command.absoluteWorkspace()
          + " (register one: pipewright datasets register NAME PATH)");
    } else {
      RegistryText.datasetTable(datasets).forEach(command.term::line);
    }
    return Main.OK;
  }

  @Command(name = "list", description = "List the registered datasets, the latest version of each.")
  static final class ListDatasets extends WorkspaceCommand {
    ListDatasets(Terminal term) {
      super(term);
    }

    @Override
    int execute() {
      return list(this);
    }
  }

  @Command(name = "show", description = "Show one version of a dataset: where it came from and its files.")
  static final class ShowDataset extends WorkspaceCommand {
    @Parameters(index = "0", paramLabel = "NAME[:VERSION]", description = "The dataset; the latest version unless"
        + " one is given.")
    String reference;

    ShowDataset(Terminal term) {
      super(term);
    }

    @Override
    int execute() {
      if (!exists()) {
        throw new UserException("no dataset '" + reference + "': there is no workspace " + absoluteWorkspace()
            + " -- give the right one with --workspace");
      }
      try (Workspace ws = open()) {
        RegisteredDataset d = ws.datasets().get(reference);
        List<Integer> versions = ws.datasets().versions(d.name()).stream().map(RegisteredDataset::version).toList();
        if (json) {
          ObjectNode node = RegistryText.json(d, true);
          ArrayNode array = node.putArray("versions");
          versions.forEach(array::add);
          term.line(RunJson.write(node));
        } else {
          RegistryText.datasetDetails(d, versions).forEach(term::line);
        }
      }
      return Main.OK;
    }
  }

  @Command(name = "register", sortOptions = false,
      description = {"Register a file, a folder, the files a glob matches, or a URL as a new version of a dataset.",
          "The files are copied into the workspace. Content the dataset has already keeps its version."})
  static final class RegisterDataset extends WorkspaceCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Letters, digits, '_', '.' and '-'.")
    String name;

    @Parameters(index = "1", paramLabel = "PATH|GLOB|URL",
        description = "A file or folder, a glob such as 'data/*.csv' (quoted), or a file:, http: or https: URL.")
    String source;

    @Option(names = "--description", paramLabel = "TEXT", order = 1, description = "What the data is.")
    String description;

    @Option(names = "--tag", paramLabel = "KEY=VALUE", order = 2, description = "A tag; may be repeated.")
    List<String> tags = List.of();

    RegisterDataset(Terminal term) {
      super(term);
    }

    @Override
    int execute() {
      DatasetOptions options = DatasetOptions.defaults();
      if (description != null) {
        options = options.description(description);
      }
      for (String tag : tags) {
        int eq = tag.indexOf('=');
        if (eq < 1) {
          throw new UserException("invalid --tag '" + tag + "': give KEY=VALUE");
        }
        options = options.tag(tag.substring(0, eq), tag.substring(eq + 1));
      }
      try (Workspace ws = open()) {
        int before = ws.datasets().versions(checkedName()).stream().mapToInt(RegisteredDataset::version).max()
            .orElse(0);
        RegisteredDataset d = ws.datasets().register(name, source, options);
        boolean created = d.version() > before;
        if (json) {
          term.line(RunJson.write(RegistryText.json(d, false).put("created", created)));
        } else if (created) {
          term.line("registered dataset " + d.reference() + " (" + RegistryText.files(d.dataset().files()) + ", "
              + RegistryText.shortHash(d.contentHash()) + ")");
        } else {
          term.line("dataset " + d.reference() + " has this content already (" + RegistryText.files(
              d.dataset().files()) + ", " + RegistryText.shortHash(d.contentHash()) + "): no new version");
        }
      }
      return Main.OK;
    }

    private String checkedName() {
      io.pipewright.internal.registry.Names.checkName("dataset", name);
      return name;
    }
  }
}
