using CityPass.Core.Tokens;
using CityPass.Core.Venues;
using CityPass.Testing;

namespace CityPass.Gate.Tests;

public sealed class GateJournalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("citypass-journal-").FullName;

    private string Path => System.IO.Path.Combine(_directory, "journal.db");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static JournalEntry Offline(bool allowed = true, string text = "CP1:PASS") =>
        new(0, Guid.CreateVersion7(), text, ScanDirection.In, TestClock.Start, DecisionMode.Offline, allowed, allowed ? "allowed" : "status_not_allowed", false);

    [Fact]
    public void OfflineDecisionsWaitInOrderForUploadAcrossAReopenAndOnlineOnesDoNot()
    {
        var first = Offline();
        var second = Offline(allowed: false) with { Direction = ScanDirection.Out, Flagged = true };
        using (var journal = GateJournal.Open(Path))
        {
            journal.Record(first);
            journal.Record(Offline() with { Mode = DecisionMode.Online });
            journal.Record(second);
        }
        using var reopened = GateJournal.Open(Path);
        Assert.Equal(3, reopened.Count());
        var pending = reopened.ToUpload(10);
        Assert.Equal([first.ScanId, second.ScanId], pending.Select(e => e.ScanId));
        var back = pending[1];
        Assert.Equal((ScanDirection.Out, false, "status_not_allowed", true, "CP1:PASS", TestClock.Start), (back.Direction, back.Allowed, back.Code, back.Flagged, back.Text, back.ScannedAt));
        Assert.Single(reopened.ToUpload(1));
    }

    [Fact]
    public void AnUploadedEntryLeavesTheBacklogAndItsPassTextIsDropped()
    {
        using var journal = GateJournal.Open(Path);
        var entry = Offline(text: "CP1:SECRET-ISH");
        journal.Record(entry);
        journal.Record(Offline());
        journal.MarkUploaded([new JournalResult(entry.ScanId, "recorded", "deny", "status_not_allowed", Disagrees: true)]);
        Assert.Equal((1, 1), (journal.Backlog(), journal.Disagreements()));
        Assert.DoesNotContain(entry.ScanId, journal.ToUpload(10).Select(e => e.ScanId));
        Assert.Equal("", Raw($"select text from scans where scan_id = '{entry.ScanId}'"));
    }

    private object? Raw(string sql)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Path);
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public void ATokenIsSeenUntilItsExpiry()
    {
        using var journal = GateJournal.Open(Path);
        var token = TokenId.NewRandom();
        journal.Record(Offline(), token, TestClock.Start.AddMinutes(2));
        Assert.True(journal.WasSeen(token, TestClock.Start.AddMinutes(1)));
        Assert.False(journal.WasSeen(token, TestClock.Start.AddMinutes(2)));
        Assert.False(journal.WasSeen(TokenId.NewRandom(), TestClock.Start));
        journal.Prune(TestClock.Start.AddMinutes(3), TimeSpan.FromDays(7));
        Assert.False(journal.WasSeen(token, TestClock.Start));
    }

    [Fact]
    public void TheJournalIsInWriteAheadMode()
    {
        using (GateJournal.Open(Path)) { }
        // Stored in the file (synchronous is per connection, set at each open).
        Assert.Equal("wal", Raw("pragma journal_mode"));
    }
}
