package io.pipewright.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipewright.spi.PipelineProvider;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code pipewright pipelines}: the pipelines registered on the classpath, with what they do. */
@Command(name = "pipelines", sortOptions = false,
    description = "List the pipelines registered on the classpath (PipelineProviders in META-INF/services).")
final class PipelinesCommand extends BaseCommand {
  PipelinesCommand(Terminal term) {
    super(term);
  }

  @Override
  int execute() {
    List<PipelineRegistry.Entry> entries = PipelineRegistry.load().entries();
    if (json) {
      ObjectNode node = RunJson.object();
      ArrayNode array = node.putArray("pipelines");
      for (PipelineRegistry.Entry e : entries) {
        array.addObject().put("name", e.name()).put("description", e.description())
            .put("provider", e.providerClass());
      }
      term.line(RunJson.write(node));
    } else if (entries.isEmpty()) {
      term.line("no pipelines registered: add a " + PipelineProvider.class.getName()
          + " to META-INF/services on the classpath");
    } else {
      Table table = new Table("PIPELINE", "DESCRIPTION");
      entries.forEach(e -> table.row(e.name(), e.description()));
      table.lines("").forEach(term::line);
    }
    return Main.OK;
  }
}
