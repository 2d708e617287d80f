package io.pipewright;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/** Where a step input comes from: another step's output, or files outside the pipeline. */
public sealed interface StepInput {
  /** An output of another step of the same pipeline: this is what makes a data edge. */
  record Upstream(Output<?> output) implements StepInput {
    public Upstream {
      Objects.requireNonNull(output, "output");
    }
  }

  /**
   * Every object below a prefix of a datastore ({@code azureblob://acct/ml/raw/digits}), copied into the step's
   * working area when the step becomes ready and read as a Dataset; its content hash is that of a local folder with
   * the same files.
   */
  record Remote(URI location) implements StepInput {
    public Remote {
      Objects.requireNonNull(location, "location");
    }
  }

  /**
   * The registered dataset version a {@link ParameterType#DATASET} parameter names for the run, read from the
   * workspace's store as a Dataset; see {@link Pipeline#datasetParameter(String)}.
   */
  record DatasetParameter(String parameter) implements StepInput {
    public DatasetParameter {
      Objects.requireNonNull(parameter, "parameter");
    }
  }

  /** A file or folder outside the workspace, read in place as a Dataset. */
  record External(Path path) implements StepInput {
    public External {
      Objects.requireNonNull(path, "path");
      path = path.toAbsolutePath().normalize();
    }
  }
}
