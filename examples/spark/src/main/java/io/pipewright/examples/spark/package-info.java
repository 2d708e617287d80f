/**
 * digits-spark: the digits example with its prep step on the {@code spark} compute target and a small hand-written
 * softmax regression in plain Java (no Tribuo here: its protobuf 3 must not meet Spark's protobuf 4).
 */
package io.pipewright.examples.spark;
