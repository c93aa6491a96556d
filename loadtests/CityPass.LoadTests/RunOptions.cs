using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>What one run does and how long each step lasts. The defaults are the documented full run.</summary>
public sealed record RunOptions
{
    public required string RepoRoot { get; init; }

    public required string OutputDirectory { get; init; }

    public int Citizens { get; init; } = 100_000;

    public int Venues { get; init; } = 500;

    public int Gates { get; init; } = 2_000;

    /// <summary>Citizens signed in through the OTP flow whose bearer tokens drive the pass refreshes.</summary>
    public int SignedInCitizens { get; init; } = 200;

    /// <summary>wrk threads: small, because wrk and the server share the machine's two cores.</summary>
    public int WrkThreads { get; init; } = 2;

    /// <summary>The closed-loop sweep's connection counts, for the scans and the ping baseline alike.</summary>
    public IReadOnlyList<int> SweepConnections { get; init; } = [4, 16, 64, 256];

    /// <summary>Rounds of the sweep; the better round of each endpoint and level counts (the machine is shared).</summary>
    public int SweepRounds { get; init; } = 2;

    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan SweepStep { get; init; } = TimeSpan.FromSeconds(12);

    public IReadOnlyList<int> RatePercents { get; init; } = [25, 50, 75];

    public TimeSpan RateStep { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections for the fixed-rate runs: enough that a free one is always there for the next slot.</summary>
    public int RateConnections { get; init; } = 64;

    public TimeSpan MixedStep { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ProfileDuration { get; init; } = TimeSpan.FromSeconds(20);

    public bool Profile { get; init; } = true;

    public bool Soak { get; init; }

    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Per mille of scans in the fixed-rate, mixed and soak runs that are retries of an answered scan.</summary>
    public int RetryPermille { get; init; } = 10;

    public bool UpdateDocs { get; init; } = true;

    /// <summary>Redis persistence: the append-only file (fsync every second, as production would run it), or none (an experiment).</summary>
    public bool RedisAppendOnly { get; init; } = true;

    /// <summary>redis-server settings for an experiment (--redis-set no-appendfsync-on-rewrite=no), over production's (<see cref="LocalRedis"/>).</summary>
    public IReadOnlyDictionary<string, string> RedisSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>PostgreSQL settings for an experiment (--pg-set autovacuum_vacuum_cost_limit=50), over the runner's (<see cref="LocalPostgres"/>).</summary>
    public IReadOnlyDictionary<string, string> PostgresSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>An experiment: the runner starts an append-only-file rewrite this far into each soak chunk, so every run has one at the same point.</summary>
    public TimeSpan? SoakRewriteAt { get; init; }

    /// <summary>Extra server settings for an experiment (--set HotState__ReconcileSeconds=600), on top of the run's own.</summary>
    public IReadOnlyDictionary<string, string> ServerSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// An A/B comparison instead of the full run: this build (B) against the server built from another
    /// commit (A, its CityPass.Server.dll), on the same stores and data, measured in turns A, B, A, B.
    /// </summary>
    public string? AbBaselineDll { get; init; }

    /// <summary>The commit the baseline was built from, for the report.</summary>
    public string? AbBaselineName { get; init; }

    /// <summary>
    /// With <see cref="AbBaselineDll"/>: the archiver comparison instead (<c>--archiver-apart</c>, see
    /// <see cref="LoadTestRun.CompareArchiversAsync"/>): the server answers scans without archiving, and a process of its
    /// own archives, of the baseline's build and of this one in turns.
    /// </summary>
    public bool ArchiverApart { get; init; }

    /// <summary>Turns of each side in an A/B comparison.</summary>
    public int AbRounds { get; init; } = 2;

    /// <summary>Each turn starts a fresh server: long enough for tiered JIT to settle before it is measured.</summary>
    public TimeSpan AbWarmUp { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Closed-loop connection counts each turn measures; the better counts.</summary>
    public IReadOnlyList<int> AbConnections { get; init; } = [16, 64];

    /// <summary>
    /// The citizen-grain run instead of the scan run (<c>--grains</c>, see <see cref="GrainsRun"/>): pass reads
    /// against one server process and against three joined as one cluster, then status changes.
    /// </summary>
    public bool Grains { get; init; }

    /// <summary>Signed-in citizens whose tokens the pass reads rotate through, for each of the two topologies (a set each, so each starts with cold grains).</summary>
    public int GrainCitizens { get; init; } = 1_000;

    /// <summary>Closed-loop connection counts, in total over the server processes, for the pass reads and their ping baseline.</summary>
    public IReadOnlyList<int> GrainConnections { get; init; } = [16, 64];

    /// <summary>Rounds of each topology's levels; the better round of each endpoint and level counts (the machine is shared).</summary>
    public int GrainRounds { get; init; } = 2;

    public TimeSpan GrainStep { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Each topology starts fresh processes or cold grains: long enough for tiered JIT and the grains' activations to settle.</summary>
    public TimeSpan GrainWarmUp { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long each topology is watched with no request after its warm-up: a minute holds one pass of each
    /// process's hot-copy reconciler (HotState:ReconcileSeconds, 60), the largest of its background work.
    /// </summary>
    public TimeSpan RestWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Single status changes, each of a different citizen, timed one by one.</summary>
    public int StatusChanges { get; init; } = 2_000;

    /// <summary>Single status changes in flight at once: a few health-authority staff at work.</summary>
    public int StatusChangeConcurrency { get; init; } = 4;

    /// <summary>Citizens in the one bulk status change (the API's maximum).</summary>
    public int BulkCitizens { get; init; } = 10_000;

    /// <summary>Server processes in the clustered topology.</summary>
    public int Replicas { get; init; } = 3;

    /// <summary>
    /// The fault run instead of the scan run (<c>--faults</c>, see <see cref="FaultsRun"/>): scans at a fixed share of the
    /// maximum while redis-server is killed and restarted (with its append-only file, then empty) and PostgreSQL is stopped.
    /// </summary>
    public bool Faults { get; init; }

    /// <summary>--quick was given: small data and short steps, a try of the runner (the reports say so).</summary>
    public bool Quick { get; init; }

    /// <summary>The fault run's load, in per cent of the maximum scan rate it measures first.</summary>
    public int FaultRatePercent { get; init; } = 50;

    /// <summary>Closed-loop connection counts of the fault run's short search for the maximum (the full run's best levels).</summary>
    public IReadOnlyList<int> FaultSearchConnections { get; init; } = [16, 64];

    /// <summary>Load before the first fault.</summary>
    public TimeSpan FaultSteady { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Load after each fault is over (a store back, or the server started again) before the next fault.</summary>
    public TimeSpan FaultSettle { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan PostgresDown { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Also restart redis-server empty (its files removed), after the restart with its append-only file.</summary>
    public bool EmptyRedisRestart { get; init; } = true;

    /// <summary>
    /// After the empty restart, how long to wait for the server process to end (its membership watchdog stops a
    /// process whose row in the membership table is gone: three checks 10 s apart, the jitter, then the shutdown,
    /// which the runner cuts short as a liveness probe would when the process stops answering for 30 s).
    /// </summary>
    public TimeSpan ServerExitWatch { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>A fixed-rate schedule further behind than this skips the slots it missed (see wrk/lib.lua's pacer).</summary>
    public int FaultMaxLagMs { get; init; } = 1000;

    /// <summary>
    /// The cluster run instead of the scan run (<c>--cluster</c>, see <see cref="ClusterRun"/>): scripts/cluster.sh's servers
    /// behind haproxy, their scaling from one to three, and drills (kill, rolling restart, Redis failover, PostgreSQL stopped,
    /// a server cut off from Redis) under a fixed scan rate.
    /// </summary>
    public bool Cluster { get; init; }

    /// <summary>Servers cluster.sh runs behind the balancer.</summary>
    public int ClusterServers { get; init; } = 3;

    /// <summary>Closed-loop connection counts of the scaling steps (ping and scans alike); the better counts per size.</summary>
    public IReadOnlyList<int> ClusterConnections { get; init; } = [16, 64];

    public TimeSpan ClusterStep { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Scans through the balancer after each server count change, unmeasured: a server just started has cold JIT and grains.</summary>
    public TimeSpan ClusterWarmUp { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>After a size's warm-up, at most this long for the servers to settle (a server just started is busy on its own for a while).</summary>
    public TimeSpan ClusterQuietMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>No request at all, at each size, before it is measured: the CPU the processes spend in the background.</summary>
    public TimeSpan ClusterRest { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Load before the first drill.</summary>
    public TimeSpan ClusterSteady { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Load after each drill is over (the server back in rotation, the store back) before the next.</summary>
    public TimeSpan ClusterSettle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a server stays cut off from Redis.</summary>
    public TimeSpan ClusterCut { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The server SIGKILLed (not 1: the cut takes another, so each drill starts from a healthy cluster).</summary>
    public int ClusterKillServer { get; init; } = 2;

    public int ClusterCutServer { get; init; } = 3;

    /// <summary>Signed-in citizens whose pass reads (through their grains) are checked after the kill.</summary>
    public int ClusterGrainCitizens { get; init; } = 30;

    public static string Usage => """
        citypass-loadtests [--soak] [--soak-minutes N] [--quick] [--no-profile] [--no-docs] [--out DIR]
        citypass-loadtests --grains [--quick] [--no-docs] [--out DIR]
        citypass-loadtests --faults [--quick] [--out DIR]
        citypass-loadtests --cluster [--quick] [--out DIR]
          --soak            also run the soak: 50% of the maximum for --soak-minutes (default 10)
          --quick           small data and short steps, to try the runner (not a measurement)
          --no-profile      skip the dotnet-trace CPU profile
          --no-docs         do not update docs/performance.md
          --out DIR         results directory (default loadtests/results/<UTC timestamp>)
          --redis-no-aof    run redis-server without its append-only file (an experiment: rewrites fork and compete for the cores)
          --redis-set K=V   a redis-server setting for an experiment, over production's (e.g. no-appendfsync-on-rewrite=no)
          --pg-set K=V      a PostgreSQL setting for an experiment (e.g. autovacuum_vacuum_cost_limit=50)
          --soak-rewrite-at S       an experiment: start an append-only-file rewrite S seconds into each soak chunk (implies --soak)
          --set KEY=VALUE   an extra server setting for an experiment (environment form, e.g. HotState__ReconcileSeconds=600)
          --ab-baseline DLL an A/B comparison instead of the full run: this build against that CityPass.Server.dll, in turns
          --ab-name NAME    what the baseline is (a commit), for the report
          --ab-rounds N     turns of each side (default 2: A, B, A, B)
          --archiver-apart  with --ab-baseline: the server answers scans without archiving (HotState__Archive=false) and a
                            process of its own archives, the baseline's and this build's in turns, at 50% of the maximum:
                            what the archive costs each process a scan (results in loadtests/results/<UTC timestamp>-archiver)
          --grains          the citizen-grain run instead: GET /v1/me/pass on one server process and on three as one
                            cluster, single and bulk status changes (results in loadtests/results/<UTC timestamp>-grains)
          --faults          the fault run instead: scans at 50% of the maximum while redis-server is killed and restarted
                            (with its AOF, then empty) and PostgreSQL is stopped for a minute (loadtests/results/<UTC timestamp>-faults)
          --cluster         the cluster run instead: scripts/cluster.sh's servers behind haproxy, scaling from one to three, and drills
                            (kill, rolling restart, Redis failover, PostgreSQL stopped, a server cut off) under load (...-cluster)
        """;

    public static RunOptions Parse(string[] args, string repoRoot)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var o = new RunOptions { RepoRoot = repoRoot, OutputDirectory = Path.Combine(repoRoot, "loadtests", "results", stamp) };
        var outGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            outGiven |= args[i] == "--out";
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            o = args[i] switch
            {
                "--soak" => o with { Soak = true },
                "--soak-minutes" => o with { Soak = true, SoakDuration = TimeSpan.FromMinutes(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--quick" => o with
                {
                    Quick = true,
                    Citizens = 5_000, Venues = 20, Gates = 400, SignedInCitizens = 20, SweepConnections = [16, 64], SweepRounds = 1,
                    WarmUp = TimeSpan.FromSeconds(3), SweepStep = TimeSpan.FromSeconds(5), RateStep = TimeSpan.FromSeconds(6),
                    MixedStep = TimeSpan.FromSeconds(6), ProfileDuration = TimeSpan.FromSeconds(5), UpdateDocs = false, AbWarmUp = TimeSpan.FromSeconds(3),
                    GrainCitizens = 100, GrainRounds = 1, GrainStep = TimeSpan.FromSeconds(5), GrainWarmUp = TimeSpan.FromSeconds(5),
                    StatusChanges = 200, BulkCitizens = 2_000, RestWindow = TimeSpan.FromSeconds(5),
                    FaultSearchConnections = [16], FaultSteady = TimeSpan.FromSeconds(5), FaultSettle = TimeSpan.FromSeconds(10),
                    PostgresDown = TimeSpan.FromSeconds(10),
                    ClusterConnections = [32], ClusterStep = TimeSpan.FromSeconds(4), ClusterWarmUp = TimeSpan.FromSeconds(3), ClusterRest = TimeSpan.FromSeconds(2), ClusterQuietMax = TimeSpan.FromSeconds(10),
                    ClusterSteady = TimeSpan.FromSeconds(5), ClusterSettle = TimeSpan.FromSeconds(6), ClusterCut = TimeSpan.FromSeconds(8), ClusterGrainCitizens = 10,
                },
                "--no-profile" => o with { Profile = false },
                "--no-docs" => o with { UpdateDocs = false },
                "--redis-no-aof" => o with { RedisAppendOnly = false },
                "--soak-rewrite-at" => o with { Soak = true, SoakRewriteAt = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--out" => o with { OutputDirectory = Path.GetFullPath(Next()) },
                "--grains" => o with { Grains = true },
                "--faults" => o with { Faults = true },
                "--cluster" => o with { Cluster = true },
                "--ab-baseline" => o with { AbBaselineDll = Path.GetFullPath(Next()) },
                "--ab-name" => o with { AbBaselineName = Next() },
                "--archiver-apart" => o with { ArchiverApart = true },
                "--ab-rounds" => o with { AbRounds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--pg-set" => o with { PostgresSettings = new Dictionary<string, string>(o.PostgresSettings) { [Key(args[i + 1])] = Value(Next()) } },
                "--redis-set" => o with { RedisSettings = new Dictionary<string, string>(o.RedisSettings) { [Key(args[i + 1])] = Value(Next()) } },
                "--set" => o with { ServerSettings = new Dictionary<string, string>(o.ServerSettings) { [Key(args[i + 1])] = Value(Next()) } },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }
        if (o.ArchiverApart && o.AbBaselineDll is null) throw new ArgumentException("--archiver-apart compares two builds: it needs --ab-baseline (loadtests/run.sh --ab REV).");
        // An archiver comparison keeps its results apart (-archiver) and never touches docs/.
        if (o.ArchiverApart) o = o with { OutputDirectory = outGiven ? o.OutputDirectory : o.OutputDirectory + "-archiver", UpdateDocs = false };
        if (new[] { o.Grains, o.Faults, o.Cluster }.Count(x => x) > 1) throw new ArgumentException("--grains, --faults and --cluster are separate runs.");
        if (o.Grains) o = ForGrains(o, outGiven);
        // The fault run keeps its results apart (-faults) and never touches docs/: its report is read, not merged.
        if (o.Faults) o = o with { OutputDirectory = outGiven ? o.OutputDirectory : o.OutputDirectory + "-faults", UpdateDocs = false };
        // So does the cluster run: its section of docs/performance.md is written by a person from a run's report.
        if (o.Cluster) o = o with { OutputDirectory = outGiven ? o.OutputDirectory : o.OutputDirectory + "-cluster", UpdateDocs = false };
        static string Key(string kv) => kv.Contains('=', StringComparison.Ordinal) ? kv[..kv.IndexOf('=', StringComparison.Ordinal)] : throw new ArgumentException("--set takes KEY=VALUE.");
        static string Value(string kv) => kv[(kv.IndexOf('=', StringComparison.Ordinal) + 1)..];
        if (o.Venues > 0 && o.Gates % o.Venues != 0) throw new ArgumentException("Gates must be a multiple of venues.");
        return o;
    }

    /// <summary>
    /// The grain run seeds citizens only (no venue or gate is on its paths), and keeps its results apart from
    /// the scan runs' (a directory of its own, <c>-grains</c>); it needs a citizen of its own for every token,
    /// change and bulk item.
    /// </summary>
    private static RunOptions ForGrains(RunOptions o, bool outGiven)
    {
        var grains = o with
        {
            Venues = 0, Gates = 0,
            OutputDirectory = outGiven ? o.OutputDirectory : o.OutputDirectory + "-grains",
        };
        if (grains.GrainCitizensNeeded > grains.Citizens)
        {
            throw new ArgumentException($"The grain run needs {grains.GrainCitizensNeeded:N0} citizens (two sets of signed-in citizens, the single changes, the bulk change); {grains.Citizens:N0} are seeded.");
        }
        if (grains.Replicas < 2 || grains.GrainConnections.Any(c => c < grains.Replicas)) throw new ArgumentException("The clustered topology needs at least two replicas and a connection for each.");
        return grains;
    }

    /// <summary>Distinct citizens the grain run uses: each topology's signed-in set, the single changes and the bulk change.</summary>
    public int GrainCitizensNeeded => (2 * GrainCitizens) + StatusChanges + BulkCitizens;
}
