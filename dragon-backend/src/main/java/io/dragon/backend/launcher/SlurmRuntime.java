package io.dragon.backend.launcher;

import io.dragon.backend.JavaCommand;
import io.dragon.backend.LogDirectory;
import io.dragon.backend.cleanup.NodeCleanup;
import io.dragon.backend.net.LinkSecurity;
import io.dragon.backend.net.NetworkPrefix;
import io.dragon.backend.trace.TraceRecorder;
import io.dragon.backend.tree.TreeNode;
import io.dragon.backend.tree.TreeShape;
import io.dragon.core.infrastructure.LaunchParameters;
import io.dragon.core.infrastructure.Settings;
import io.dragon.core.messages.Message;
import io.dragon.core.messages.MessageCodec;
import io.dragon.core.messages.Messages.AbnormalTermination;
import io.dragon.core.messages.Messages.BEForward;
import io.dragon.core.messages.Messages.BELogs;
import io.dragon.core.messages.Messages.BENodeUp;
import io.dragon.core.messages.Messages.LAChannelsInfo;
import io.dragon.core.messages.Messages.SHChannelsUp;
import io.dragon.core.messages.Messages.SHHaltBE;
import io.dragon.core.messages.Messages.SHTeardown;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A runtime on the nodes of a Slurm allocation (seed 002, multi-node deployment). The frontend (this launcher)
 * roots the fan-out tree and starts one launcher backend per node with a single {@code srun}; the backends join
 * the tree, start Local Services and a transport agent each, and report their channels in one reduction; the
 * frontend broadcasts every node's channels back; Global Services comes up on node 0 with them (no message to
 * another node before the program sends one). The nodes log on their own disks, and their logs are gathered into the
 * run's log directory at teardown (LogGathering). See docs/multi-node.md for the whole sequence.
 */
public final class SlurmRuntime implements RuntimeLink {
    private static final Logger LOG = LogManager.getLogger(SlurmRuntime.class);
    /** How long the backends get to end their srun step once a node is lost, and srun to end after SIGTERM. */
    private static final long LOST_NODE_WAIT_MS = 2_000;
    /** How long the cleanup steps may take: a NodeCleanup JVM per node, or srun giving up on a dead node. */
    private static final long CLEANUP_WAIT_MS = 6_000;

    /**
     * What the user asked for: these hosts of Slurm job {@code jobId}, whose allocation has {@code allocated} nodes,
     * a tree fan-out, a network prefix, TLS on every link or not, the transport between the nodes' agents and its
     * libfabric provider ("" to choose).
     */
    public record Nodes(String jobId, List<String> hostnames, int allocated, int fanout, String networkPrefix,
                        boolean tls, Transport transport, String provider) {
        /** Whether the runtime runs on only some of the allocation's nodes ({@code dragon -N}). */
        boolean someOfTheAllocation() {
            return hostnames.size() < allocated;
        }
    }

    private final LaunchParameters params;
    private final Nodes nodes;
    /** Where the nodes log (LogGathering): a directory of each node's own, whatever the run's log directory. */
    private final Path nodeLogDir;
    private final LogGathering logs;
    private final AtomicLong tags = new AtomicLong();
    private final BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
    private LinkSecurity security;
    private TreeNode root;
    private Process srun;
    private volatile boolean halting;
    /** A node left the tree: its backend cannot end its srun task, nor clean its node. */
    private volatile boolean nodeLost;

    SlurmRuntime(LaunchParameters params, Nodes nodes) {
        this.params = params;
        this.nodes = nodes;
        this.nodeLogDir = LogDirectory.defaultFor(params.runtimeId());
        this.logs = new LogGathering(Path.of(params.logDir()));
    }

    @Override
    public String bringup(BringupProgress progress) throws Exception {
        String here = NetworkPrefix.address(nodes.networkPrefix());
        TreeShape shape = new TreeShape(nodes.hostnames().size(), nodes.fanout());
        security = LinkSecurity.create(nodes.tls());
        root = TreeNode.root(shape, security, here, new TreeNode.Listener() {
            @Override
            public void onUp(int position, Message message) {
                inbox.add(message);
            }

            @Override
            public void onLost(String what) {
                nodeLost = true;
                if (!halting) {
                    inbox.add(new AbnormalTermination(0, "lost " + what + " of the fan-out tree"));
                }
            }
        });
        long start = TraceRecorder.now();
        srun = startBackends(here + ":" + root.address().getPort());
        awaitAll(TreeNode.JOINED, "join the fan-out tree", progress, () -> BringupProgress.nodes(
            "waiting for nodes to join", nodes.hostnames(), root.registeredNodes(), "joined"));
        TraceRecorder.slice(TraceRecorder.LAUNCHER_NODE, TraceRecorder.LAUNCHER, "await-nodes-join", start);
        long joined = TraceRecorder.now();
        Map<Integer, Message> up = awaitAll(Backend.NODES_UP, "start Local Services and the transport agent",
            progress, () -> BringupProgress.nodes("waiting for nodes to start Local Services", nodes.hostnames(),
                root.answeredNodes(Backend.NODES_UP), "up"));
        TraceRecorder.slice(TraceRecorder.LAUNCHER_NODE, TraceRecorder.LAUNCHER, "await-nodes-up", joined);
        List<BENodeUp> reports = new ArrayList<>();
        for (int node = 0; node < shape.backends(); node++) {
            reports.add((BENodeUp) up.get(TreeShape.position(node)));
        }
        Transport.Choice transport = nodes.transport().choose(nodes.hostnames(), reports);
        if (transport.fellBack(nodes.transport())) {
            Console.problem("--transport ofi: using " + transport.why());
        } else {
            LOG.info("transport between the nodes: {}", transport.why());
        }
        root.broadcast(new LAChannelsInfo(tags.incrementAndGet(), reports.stream().map(BENodeUp::channels)
            .toList(), transport.transport(), transport.agents()));
        return "on " + shape.backends() + " node" + (shape.backends() == 1 ? "" : "s") + " ("
            + String.join(",", nodes.hostnames()) + "), over " + (transport.transport().equals("ofi")
            ? transport.why() : "TCP");
    }

    /**
     * One srun step, one backend per node. {@code --whole} gives the step every CPU the job has on each node (the
     * backend's processes inherit its binding), {@code --overlap} lets it share them with the step dragon runs in
     * (an sbatch script's, or salloc's interactive step). The job's secret and the tree's root travel in the
     * environment, never on a command line; the backends' stdout is not the program's and is dropped, their stderr
     * (and srun's) is the user's.
     */
    private Process startBackends(String rootAddress) throws IOException {
        List<String> command = srun(nodes.hostnames(), nodes.allocated(), stepName(params.runtimeId()));
        command.add("--kill-on-bad-exit=1");
        // TLS and the fabric agent's tags need the optimizing compiler's AES and SHA intrinsics (JavaCommand)
        command.addAll(JavaCommand.runtime(BackendMain.class, nodes.tls()
            || nodes.transport().mayUseFabric(nodes.provider())));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT).redirectInput(ProcessBuilder.Redirect.from(
                new File("/dev/null")));
        builder.environment().putAll(params.toEnvironment());
        builder.environment().put(Settings.Variable.DRAGON_LOG_DIR.name(), nodeLogDir.toString());
        builder.environment().put(Backend.ROOT_VARIABLE, rootAddress);
        builder.environment().putAll(security.environment());
        builder.environment().put(Backend.FANOUT_VARIABLE, Integer.toString(nodes.fanout()));
        builder.environment().put(Transport.VARIABLE, nodes.transport().name());
        // libfabric's psm providers would otherwise take SIGSEGV from the backend's JVM (see OfiLibrary).
        builder.environment().putIfAbsent("IPATH_NO_BACKTRACE", "1");
        builder.environment().putIfAbsent("HFI_NO_BACKTRACE", "1");
        builder.environment().put(Transport.PROVIDER_VARIABLE, nodes.provider());
        builder.environment().putAll(TraceRecorder.environment());
        if (nodes.networkPrefix() != null) {
            builder.environment().put(NetworkPrefix.VARIABLE, nodes.networkPrefix());
        }
        LOG.info("starting {} backends: {}", nodes.hostnames().size(), String.join(" ", command));
        return builder.start();
    }

    /** The name of the runtime's step, as squeue and sacct show it (without it, they show "java"). */
    static String stepName(String runtimeId) {
        return "dragon-" + runtimeId;
    }

    /**
     * An srun step named {@code name} of one task on each of {@code hosts}, of an allocation of {@code allocated}
     * nodes. The hosts are named only when they are not the whole allocation: some sites refuse {@code --nodelist}
     * ("Requested node configuration is not available"), and without it the step's node ids (SLURM_NODEID) follow
     * the allocation's order, which is that of {@code hosts}.
     */
    static List<String> srun(List<String> hosts, int allocated, String name) {
        int n = hosts.size();
        List<String> command = new ArrayList<>(List.of("srun", "--job-name=" + name, "--nodes=" + n, "--ntasks=" + n,
            "--ntasks-per-node=1"));
        if (n < allocated) {
            command.add("--nodelist=" + String.join(",", hosts));
        }
        command.addAll(List.of("--export=ALL", "--overlap", "--whole", "--quiet"));
        return command;
    }

    /**
     * After a failed teardown: removes whatever the runtime left on its nodes, with one more srun step on the nodes
     * still in the tree and one on those {@code lost} (by index) (a hung node still runs its slurmd; a dead one
     * makes srun retry for seconds, so that step gets a shorter wait).
     */
    private void cleanNodes(Set<Integer> lost) throws InterruptedException {
        List<String> survivors = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (int node = 0; node < nodes.hostnames().size(); node++) {
            (lost.contains(node) ? gone : survivors).add(nodes.hostnames().get(node));
        }
        List<Process> steps = new ArrayList<>();
        for (List<String> hosts : List.of(survivors, gone)) {
            if (!hosts.isEmpty()) {
                List<String> command = srun(hosts, nodes.allocated(), stepName(params.runtimeId()) + "-cleanup");
                command.addAll(JavaCommand.runtime(NodeCleanup.class));
                command.add(params.runtimeId());
                try {
                    steps.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(
                        ProcessBuilder.Redirect.appendTo(Path.of(params.logDir(), "cleanup.log").toFile())).start());
                } catch (IOException e) {
                    LOG.warn("cannot clean {} ({}); run dragon-cleanup there", hosts, e.getMessage());
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLEANUP_WAIT_MS);
        for (Process step : steps) {
            if (!step.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                step.destroyForcibly();
            }
        }
        LOG.info("cleaned the nodes (lost: {}); what was removed is in {}", gone, Path.of(params.logDir(),
            "cleanup.log"));
    }

    /**
     * Waits for a reduction from every backend, telling {@code progress} its {@code status} while it waits; fails
     * early if srun ends first or a node is lost, naming the nodes that did not answer.
     */
    private Map<Integer, Message> awaitAll(long reduction, String what, BringupProgress progress,
                                           Supplier<String> status) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Launcher.BRINGUP_TIMEOUT_MS);
        for (;;) {
            try {
                Map<Integer, Message> answers = root.awaitReduction(reduction, Duration.ofMillis(200));
                List<String> lost = answers.values().stream().filter(AbnormalTermination.class::isInstance)
                    .map(m -> ((AbnormalTermination) m).errInfo()).toList();
                if (!lost.isEmpty()) {
                    throw new IllegalStateException("not every node could " + what + ": " + String.join("; ",
                        lost));
                }
                return answers;
            } catch (TimeoutException e) {
                if (!srun.isAlive()) {
                    throw new IllegalStateException("the backends (srun) exited with code " + srun.exitValue()
                        + " before every node could " + what + "; srun's messages are above" + (nodes
                        .someOfTheAllocation() ? " (if srun refused the node list, as some sites do, run dragon on"
                        + " the whole allocation, without -N, or allocate only the nodes it needs)" : ""));
                }
                Message problem = inbox.poll();
                if (problem instanceof AbnormalTermination abnormal) {
                    throw new IllegalStateException(abnormal.errInfo());
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("not every node could " + what + " within "
                        + Launcher.BRINGUP_TIMEOUT_MS + " ms: " + e.getMessage());
                }
                progress.waiting(status);
            }
        }
    }

    @Override
    public Message next() throws InterruptedException {
        Message message = inbox.poll(100, TimeUnit.MILLISECONDS);
        while (message instanceof BELogs piece) {
            logs.accept(piece);
            message = inbox.poll();
        }
        if (message == null && !srun.isAlive() && !halting) {
            throw new IllegalStateException("the backends (srun) exited with code " + srun.exitValue());
        }
        return message;
    }

    @Override
    public void toGlobalServices(Message message) {
        root.broadcast(new BEForward(tags.incrementAndGet(), 0, true, MessageCodec.encode(message)));
    }

    /** SHTeardown to every node also starts waiting for every node's SHHaltBE, reduced up the tree. */
    @Override
    public void toLocalServices(int node, Message message) {
        if (node < 0 && message instanceof SHTeardown && !halting) {
            halting = true;
            Thread waiter = new Thread(this::awaitHalted, "halt-reduction");
            waiter.setDaemon(true);
            waiter.start();
        }
        root.broadcast(new BEForward(tags.incrementAndGet(), node, false, MessageCodec.encode(message)));
    }

    private void awaitHalted() {
        try {
            root.awaitReduction(Backend.HALTED, Duration.ofMillis(Launcher.TEARDOWN_TIMEOUT_MS));
            inbox.add(new SHHaltBE(0));
        } catch (TimeoutException e) {
            inbox.add(new AbnormalTermination(0, "not every node halted: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Closing the root ends every backend (each sees its parent go); srun then ends. After a node was lost, what
     * is left of the runtime on it (a hung node's processes, say) is stopped and removed by one more step.
     */
    @Override
    public void awaitExit() throws InterruptedException {
        logs.finish(nodes.hostnames(), nodeLogDir); // every node's logs came before its SHHaltBE
        Set<Integer> lost = root.lostNodes();
        root.close();
        LOG.info("every node halted; tree closed, waiting for the backends to exit");
        if (nodeLost) {
            cleanNodes(lost); // at once: the lost node's task will not end the step by itself
        }
        if (!srun.waitFor(nodeLost ? LOST_NODE_WAIT_MS : Launcher.TEARDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            LOG.warn("the backends did not exit; stopping srun");
            stopSrun();
        }
    }

    @Override
    public void forceTeardown() {
        halting = true;
        for (Message message = inbox.poll(); message != null; message = inbox.poll()) {
            if (message instanceof BELogs piece) { // sent before whatever failed
                logs.accept(piece);
            }
        }
        logs.finish(nodes.hostnames(), nodeLogDir);
        Set<Integer> lost = Set.of();
        if (root != null) {
            lost = root.lostNodes();
            root.close();
        }
        if (srun != null) {
            try {
                if (!srun.waitFor(5, TimeUnit.SECONDS)) {
                    stopSrun();
                }
                cleanNodes(lost);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** SIGTERM to srun makes Slurm signal every backend; then SIGKILL, and the cleanup step does the rest. */
    private void stopSrun() throws InterruptedException {
        srun.destroy();
        if (!srun.waitFor(LOST_NODE_WAIT_MS, TimeUnit.MILLISECONDS)) {
            srun.destroyForcibly();
        }
    }
}
