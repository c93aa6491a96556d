using System.Text.Json;

namespace CityPass.Gate;

/// <summary>
/// The gate's state directory: <c>enrolment.json</c>, <c>credential</c> and <c>journal.db</c> (with SQLite's -wal and
/// -shm beside it). The directory is made readable by the gate's user only, and the credential file too, so another
/// account on the device can neither take the credential nor read the pass texts waiting in the journal.
/// </summary>
public static class GateStateDirectory
{
    public const string EnrolmentFile = "enrolment.json";
    public const string CredentialFile = "credential";
    public const string JournalFile = "journal.db";

    /// <summary>$CITYPASS_GATE_STATE, else $XDG_STATE_HOME/citypass-gate, else ~/.local/state/citypass-gate.</summary>
    public static string Default()
    {
        if (Environment.GetEnvironmentVariable("CITYPASS_GATE_STATE") is { Length: > 0 } explicitPath) return explicitPath;
        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(stateHome, "citypass-gate");
    }

    internal static void Write(string directory, GateEnrolment enrolment, string credential)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        WritePrivate(Path.Combine(directory, CredentialFile), credential);
        WritePrivate(Path.Combine(directory, EnrolmentFile), JsonSerializer.Serialize(enrolment, GateJson.Options));
    }

    internal static (GateEnrolment Enrolment, string Credential) Read(string directory)
    {
        var enrolmentPath = Path.Combine(directory, EnrolmentFile);
        var credentialPath = Path.Combine(directory, CredentialFile);
        if (!File.Exists(enrolmentPath) || !File.Exists(credentialPath))
        {
            throw new GateEnrolmentException("not_enrolled", $"No gate is enrolled in {directory}: run `citypass-gate enrol <link>` first.");
        }
        var enrolment = JsonSerializer.Deserialize<GateEnrolment>(File.ReadAllText(enrolmentPath), GateJson.Options)
            ?? throw new GateEnrolmentException("not_enrolled", $"{enrolmentPath} is empty.");
        return (enrolment, File.ReadAllText(credentialPath).Trim());
    }

    // Created with 0600 from the start (not chmod-ed after), then moved into place, so no moment exists where others can read it.
    private static void WritePrivate(string path, string content)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
