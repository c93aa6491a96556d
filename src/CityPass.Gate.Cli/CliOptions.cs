using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityPass.Gate.Cli;

/// <summary>The options every command shares, and how the CLI writes JSON and errors.</summary>
internal static class CliOptions
{
    public static Option<string> State() => new("--state")
    {
        Description = "The gate's state directory (credential, enrolment, journal). Default: $CITYPASS_GATE_STATE, else $XDG_STATE_HOME/citypass-gate, else ~/.local/state/citypass-gate.",
        DefaultValueFactory = _ => GateStateDirectory.Default(),
    };

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void WriteJson<T>(T value)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));
        Console.Out.Flush();
    }

    /// <summary>Exit code 1 with one line on stderr: "citypass-gate: code: message".</summary>
    public static int Fail(string code, string message)
    {
        Console.Error.WriteLine($"citypass-gate: {code}: {message}");
        return 1;
    }

    public static double? Seconds(TimeSpan? span) => span is { } s ? Math.Round(s.TotalSeconds, 3) : null;
}
