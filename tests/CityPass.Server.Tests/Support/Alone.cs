namespace CityPass.Server.Tests.Support;

/// <summary>
/// The classes that time the server's answers against its scan budget (250 ms, the production default) run in this
/// collection: alone, after the parallel ones, with no other class's app starting beside them. On the 2-core CI
/// machine another class's work stalled the test process for seconds (CI of 20a019f, 2026-12-04: a refusal timed at
/// 2,378 ms, and a scan during a PostgreSQL outage answered 503 when it overran its budget), failing tests whose
/// point is the budget rather than the machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    public const string Name = "Timed against the scan budget, alone";
}
