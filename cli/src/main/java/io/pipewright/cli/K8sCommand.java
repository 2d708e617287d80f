package io.pipewright.cli;

import io.pipewright.Pipeline;
import io.pipewright.UserException;
import io.pipewright.WorkspaceConfig;
import io.pipewright.compute.kubernetes.KubernetesManifests;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pipewright k8s}: what the kubernetes targets of a config do, without a cluster. */
@Command(name = "k8s", description = "Kubernetes: see the Jobs a pipeline submits to its kubernetes targets.")
final class K8sCommand extends BaseCommand {
  K8sCommand(Terminal term) {
    super(term);
  }

  static CommandLine create(Terminal term) {
    return new CommandLine(new K8sCommand(term)).addSubcommand(new Render(term));
  }

  @Override
  int execute() {
    throw new UserException("k8s needs a subcommand: render (see: pipewright k8s --help)");
  }

  /** {@code pipewright k8s render PIPELINE --config FILE}: the Jobs' manifests, for review or GitOps. */
  @Command(name = "render", sortOptions = false,
      description = {"Print the manifests (YAML, one document per Job) of the Jobs that a run would submit for the"
          + " steps bound to kubernetes targets in the config, first attempts only. RUN_ID and FINGERPRINT stand"
          + " for what each run fills in. Contacts no cluster."})
  static final class Render extends BaseCommand {
    @Parameters(index = "0", paramLabel = "PIPELINE", description = "The pipeline's name or provider class.")
    String pipeline;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:PIPEWRIGHT_CONFIG:-}", order = 1,
        description = "The workspace config file that binds targets. Default: $PIPEWRIGHT_CONFIG")
    String config;

    @Option(names = {"-p", "--param"}, order = 2, paramLabel = "NAME=VALUE",
        description = "A parameter value, parsed by the parameter's type; repeat for several.")
    List<String> params = new ArrayList<>();

    @Option(names = "--datastore", paramLabel = "URI", order = 3, defaultValue = "${env:PIPEWRIGHT_DATASTORE:-}",
        description = "The workspace's datastore, when not the config's. Default: $PIPEWRIGHT_DATASTORE")
    String datastore;

    Render(Terminal term) {
      super(term);
    }

    @Override
    int execute() {
      if (config == null || config.isBlank()) {
        throw new UserException("k8s render needs the config that binds the targets: give it with --config FILE");
      }
      WorkspaceConfig read;
      try {
        read = WorkspaceConfig.read(Path.of(config));
      } catch (InvalidPathException e) {
        throw new UserException("invalid --config '" + config + "': " + e.getMessage(), e);
      }
      Map<String, String> values = RunCommand.parseParams(params);
      Pipeline definition = PipelineRegistry.load().resolve(pipeline);
      Optional<String> store = Optional.ofNullable(datastore).filter(d -> !d.isBlank());
      if (json) {
        term.line(KubernetesManifests.json(KubernetesManifests.jobs(definition, read, values, store)));
      } else {
        term.out().print(KubernetesManifests.render(definition, read, values, store));
        term.out().flush();
      }
      return Main.OK;
    }
  }
}
