package io.pipewright.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.RegisteredModel;
import io.pipewright.UserException;
import io.pipewright.Workspace;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pipewright models [list|show|tag]}: the model registry of the workspace. Without a subcommand, lists it. */
@Command(name = "models", sortOptions = false,
    description = {"List the registered models (the latest version of each); show or tag one.",
        "Deploy steps register models with ctx.registerModel(...). A tag names one version of a model: tagging"
            + " another version moves it."})
final class ModelsCommand extends WorkspaceCommand {
  ModelsCommand(Terminal term) {
    super(term);
  }

  static CommandLine create(Terminal term) {
    return new CommandLine(new ModelsCommand(term))
        .addSubcommand(new ListModels(term))
        .addSubcommand(new ShowModel(term))
        .addSubcommand(new TagModel(term));
  }

  @Override
  int execute() {
    return list(this);
  }

  static int list(WorkspaceCommand command) {
    List<RegisteredModel> models = List.of();
    if (command.exists()) {
      try (Workspace ws = command.open()) {
        models = ws.models().list();
      }
    }
    if (command.json) {
      ObjectNode node = RunJson.object().put("workspace", command.absoluteWorkspace());
      ArrayNode array = node.putArray("models");
      models.forEach(m -> array.add(RegistryText.json(m, false)));
      command.term.line(RunJson.write(node));
    } else if (models.isEmpty()) {
      command.term.line("no models in workspace " + command.absoluteWorkspace());
    } else {
      RegistryText.modelTable(models).forEach(command.term::line);
    }
    return Main.OK;
  }

  static Workspace openModels(WorkspaceCommand command, String reference) {
    if (!command.exists()) {
      throw new UserException("no model '" + reference + "': there is no workspace " + command.absoluteWorkspace()
          + " -- give the right one with --workspace");
    }
    return command.open();
  }

  @Command(name = "list", description = "List the registered models, the latest version of each.")
  static final class ListModels extends WorkspaceCommand {
    ListModels(Terminal term) {
      super(term);
    }

    @Override
    int execute() {
      return list(this);
    }
  }

  @Command(name = "show", description = "Show one version of a model: its metrics, tags, origin and files.")
  static final class ShowModel extends WorkspaceCommand {
    @Parameters(index = "0", paramLabel = "NAME[:VERSION|:TAG]",
        description = "The model; the latest version unless a version or tag is given.")
    String reference;

    ShowModel(Terminal term) {
      super(term);
    }

    @Override
    int execute() {
      try (Workspace ws = openModels(this, reference)) {
        RegisteredModel m = ws.models().get(reference);
        List<RegisteredModel> versions = ws.models().versions(m.name());
        if (json) {
          ObjectNode node = RegistryText.json(m, true);
          ArrayNode array = node.putArray("versions");
          versions.forEach(v -> array.add(v.version()));
          term.line(RunJson.write(node));
        } else {
          RegistryText.modelDetails(m, versions).forEach(term::line);
        }
      }
      return Main.OK;
    }
  }

  @Command(name = "tag", description = "Tag one version of a model, taking the tag off the version that had it.")
  static final class TagModel extends WorkspaceCommand {
    @Parameters(index = "0", paramLabel = "NAME:VERSION", description = "The version to tag.")
    String reference;

    @Parameters(index = "1", paramLabel = "TAG", description = "The tag, such as production.")
    String tag;

    TagModel(Terminal term) {
      super(term);
    }

    @Override
    int execute() {
      int colon = reference.lastIndexOf(':');
      int version;
      try {
        version = colon < 1 ? -1 : Integer.parseInt(reference.substring(colon + 1));
      } catch (NumberFormatException e) {
        version = -1;
      }
      if (version < 1) {
        throw new UserException("invalid model version '" + reference + "': give NAME:VERSION, such as digits:3");
      }
      try (Workspace ws = openModels(this, reference)) {
        RegisteredModel before = ws.models().versions(reference.substring(0, colon)).stream()
            .filter(m -> m.tags().contains(tag)).findFirst().orElse(null);
        RegisteredModel m = ws.models().tag(reference.substring(0, colon), version, tag);
        if (json) {
          ObjectNode node = RegistryText.json(m, false);
          node.put("movedFrom", before == null || before.version() == m.version() ? null : before.version());
          term.line(RunJson.write(node));
        } else {
          term.line("tagged model " + m.reference() + " " + tag + (before == null || before.version() == m.version()
              ? "" : " (moved from version " + before.version() + ")"));
        }
      }
      return Main.OK;
    }
  }
}
