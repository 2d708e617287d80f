package io.pipewright.examples;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.oracle.labs.mlrg.olcut.config.protobuf.ProtoProvenanceSerialization;
import com.oracle.labs.mlrg.olcut.provenance.Provenance;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import io.pipewright.StepException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.protos.ClassificationLinearSGDProto;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.provenance.ModelProvenance;

/**
 * A Tribuo classifier as one file, in Tribuo's protobuf format: {@link Model#deserializeFromFile} reads it back, and
 * so does any Tribuo 4.3 program, without this class.
 *
 * <p>The file is a function of the model's parameters and the data it was trained on: equal trainings give equal
 * bytes, so a model's manifest hash names what it computes. Tribuo's provenance would defeat that on its own, as it
 * records the training time and the Java version, OS and CPU architecture that trained it; this class pins the time
 * to the epoch and leaves the system out before writing (the run store records when and where a step ran). The rest
 * of the provenance, the trainer's settings and the dataset's description, stays. Protobuf's deterministic mode
 * orders map entries.
 *
 * <p>Protobuf rather than Java serialisation of the model: it is Tribuo's versioned, portable format, it does not
 * depend on the model classes' serialised form, and its bytes can be made deterministic.
 */
final class TribuoModelFile {
  static final String NAME = "model.tribuo";
  static final String FORMAT = "tribuo-protobuf";

  private static final OffsetDateTime PINNED_TIME = OffsetDateTime.ofInstant(Instant.EPOCH, ZoneOffset.UTC);
  private static final ProtoProvenanceSerialization PROVENANCE = new ProtoProvenanceSerialization(false);

  private TribuoModelFile() {}

  /** Writes {@code model} to {@code dir}/{@value #NAME}; returns the file. */
  static Path write(LinearSGDModel model, Path dir) throws IOException {
    ModelProvenance trained = model.getProvenance();
    Map<String, Provenance> instance = new LinkedHashMap<>(trained.getInstanceProvenance().getMap());
    ModelProvenance pinned = new ModelProvenance(trained.getClassName(), PINNED_TIME,
        trained.getDatasetProvenance(), trained.getTrainerProvenance(), instance, false);

    ModelProto proto = model.serialize();
    ClassificationLinearSGDProto data = proto.getSerializedData().unpack(ClassificationLinearSGDProto.class);
    data = data.toBuilder()
        .setMetadata(data.getMetadata().toBuilder()
            .setProvenance(PROVENANCE.serializeToProto(ProvenanceUtil.marshalProvenance(pinned))))
        .build();
    proto = proto.toBuilder()
        .setSerializedData(Any.newBuilder().setTypeUrl(proto.getSerializedData().getTypeUrl())
            .setValue(ByteString.copyFrom(deterministic(data))))
        .build();
    Path file = dir.resolve(NAME);
    Files.write(file, deterministic(proto));
    return file;
  }

  /**
   * Reads a classifier that {@link #write} wrote, failing the step, without retries, when the file is not a Tribuo
   * classifier.
   */
  static Model<Label> read(Path file) throws IOException {
    Model<?> model;
    try {
      model = Model.deserializeFromFile(file);
    } catch (InvalidProtocolBufferException | IllegalArgumentException | IllegalStateException e) {
      throw StepException.nonRetryable(file + ": not a Tribuo model (" + e.getMessage() + ")");
    }
    if (!model.validate(Label.class)) {
      throw StepException.nonRetryable(file + ": a Tribuo model of " + model.getOutputIDInfo().getClass()
          .getSimpleName() + ", not a classifier of labels");
    }
    return model.castModel(Label.class);
  }

  private static byte[] deterministic(Message message) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.getSerializedSize());
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.useDeterministicSerialization();
    message.writeTo(out);
    out.flush();
    return bytes.toByteArray();
  }
}
