// The digits pipeline in a notebook session, as a script: ./pipewright jshell examples/jshell/digits.jsh
// (./pipewright jshell imports io.pipewright.*, io.pipewright.examples.* and java.util.*, java.nio.file.*, ...)

// A workspace in a temporary folder, deleted on close; Workspace.open(Path.of(".pipewright")) keeps the runs.
var ws = Workspace.temporary();

var digits = Digits.pipeline();
System.out.println(digits);                 // its steps, kinds and edges

var first = ws.submit(digits).await();
System.out.println(first);                  // each step: status, duration, key metrics
System.out.println("evaluate: " + new TreeMap<>(first.step("evaluate").metrics()));

// Change a training parameter: only train, and what depends on it, runs again; prep is reused.
var second = ws.submit(digits, Map.of("epochs", 5)).await();
System.out.println(second);
for (StepRun step : second.steps()) {
  System.out.printf("%-9s %s%n", step.name(), step.status() == StepStatus.REUSED
      ? "reused from run " + step.reusedFrom().substring(0, 8) : "ran: " + step.status());
}
System.out.printf("accuracy: %.4f with 10 epochs, %.4f with 5%n",
    first.step("evaluate").metrics().get("accuracy"), second.step("evaluate").metrics().get("accuracy"));

ws.close();
