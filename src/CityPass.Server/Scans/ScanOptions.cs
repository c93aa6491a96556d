namespace CityPass.Server.Scans;

/// <summary>The scan path's settings: configuration section "Scans".</summary>
public sealed class ScanOptions
{
    /// <summary>
    /// The most a scan waits on the stores before it answers 503 store_unavailable (a gate then denies or
    /// decides offline). The hot state's script is told to do nothing if Redis only starts it after
    /// <see cref="RunDeadline"/>, so a scan refused here never takes effect later.
    /// </summary>
    public int BudgetMilliseconds { get; set; } = 250;

    public TimeSpan Budget => TimeSpan.FromMilliseconds(BudgetMilliseconds);

    /// <summary>
    /// By when Redis must have started the script: a fifth of the budget before its end, left for the answer
    /// to come back. A script that ran in time but whose answer is later still than that has taken effect
    /// behind a 503; the gate's retry with the same scan id gets that answer (dedupe), not a second entry.
    /// </summary>
    public TimeSpan RunDeadline => Budget * 0.8;

    public IEnumerable<string> Validate()
    {
        if (BudgetMilliseconds is < 20 or > 10_000) yield return "Scans:BudgetMilliseconds is between 20 and 10000.";
    }
}
