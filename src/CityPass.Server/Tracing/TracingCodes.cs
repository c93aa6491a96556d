namespace CityPass.Server.Tracing;

/// <summary>The stable codes of contact tracing's refusals (ProblemDetails "code"); bad fields are validation_failed.</summary>
public static class TracingCodes
{
    /// <summary>The window is longer than Tracing:MaxWindowDays (31 by default). 400.</summary>
    public const string WindowTooLong = "trace_window_too_long";

    /// <summary>The index citizen has more entries in the window than Tracing:MaxVisits: narrow the window. 422.</summary>
    public const string TooManyVisits = "trace_too_many_visits";
}
