package io.pipewright.examples.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import io.pipewright.StepContext;
import io.pipewright.compute.spark.Spark;
import io.pipewright.compute.spark.SparkStep;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the gzip CSV with Spark, scales pixels from 0..16 to 0..1, and splits the rows by a hash of their line number
 * and {@code seed}: a row goes to {@code test} when the hash modulo 1000 is below {@code testFraction * 1000}. Both
 * outputs are CSV with a header ({@code p0..p63,label}), in the file's order, in one file each.
 */
public final class PrepareDigitsOnSpark implements SparkStep {
  static final int PIXELS = 64;

  @Override
  public void run(SparkSession spark, StepContext ctx) {
    List<StructField> fields = new ArrayList<>();
    for (int i = 0; i < PIXELS; i++) {
      fields.add(DataTypes.createStructField("p" + i, DataTypes.IntegerType, false));
    }
    fields.add(DataTypes.createStructField("label", DataTypes.IntegerType, false));
    // One gzip file is one partition, so the line numbers that monotonically_increasing_id gives are stable.
    Dataset<Row> raw = spark.read().schema(new StructType(fields.toArray(StructField[]::new)))
        .option("mode", "FAILFAST").csv(ctx.input("digits").toString())
        .withColumn("line", monotonically_increasing_id());
    List<Column> scaled = new ArrayList<>();
    for (int i = 0; i < PIXELS; i++) {
      scaled.add(col("p" + i).divide(16.0).as("p" + i));
    }
    scaled.add(col("label"));
    long threshold = Math.round(ctx.doubleParam("testFraction") * 1000);
    Column isTest = pmod(xxhash64(col("line"), lit(ctx.intParam("seed"))), lit(1000L)).lt(threshold);
    Column[] columns = scaled.toArray(Column[]::new);
    Dataset<Row> train = raw.filter(isTest.unary_$bang()).orderBy("line").select(columns).coalesce(1);
    Dataset<Row> test = raw.filter(isTest).orderBy("line").select(columns).coalesce(1);
    Spark.writeCsv(train, ctx.outputDir("train"));
    Spark.writeCsv(test, ctx.outputDir("test"));
  }
}
