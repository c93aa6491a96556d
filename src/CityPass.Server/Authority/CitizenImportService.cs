using System.Text;
using System.Text.Json;
using CityPass.Core.Citizens;
using CityPass.Core.Identify;
using CityPass.Server.Audit;
using CityPass.Server.Auth;
using CityPass.Server.Citizens;
using CityPass.Server.Problems;
using CityPass.Server.Scans;
using CsvHelper;

namespace CityPass.Server.Authority;

public sealed record ImportRowError(long Line, string? ExternalId, string Field, string Message);

/// <summary>The per-row result of an import. Errors list the first <see cref="CitizenImportService.MaxReportedErrors"/> rejected rows.</summary>
public sealed record ImportReport(long Rows, int Created, int Updated, int Unchanged, int Rejected, IReadOnlyList<ImportRowError> Errors, bool ErrorsTruncated);

/// <summary>
/// One row as sent: CSV columns externalId, phone, fullName, credentials (';'-separated), and optionally birthYear (four
/// digits; empty or absent: unknown); or the same NDJSON fields.
/// </summary>
public sealed record CitizenImportRow(string? ExternalId, string? Phone, string? FullName, IReadOnlyList<string>? Credentials,
    [property: System.Text.Json.Serialization.JsonNumberHandling(System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString)]
    int? BirthYear = null)
{
    /// <summary>A CSV birthYear that is no number: rejected naming the field, as a year out of range is.</summary>
    public const int NotANumber = int.MinValue;
}

/// <summary>
/// Streams a CSV or NDJSON file of citizens into the system of record in batches, idempotent on
/// the external id, validating each row and answering with a per-row report. Memory stays bounded
/// by the batch size whatever the file's length. Each import is audited once, with its counts
/// (not per row: an import may hold millions), whether it finished or stopped part way.
/// </summary>
public sealed class CitizenImportService(ICitizenStore citizens, IHotState hot, ActiveCitizens active, IAuditLog audit, TimeProvider clock, ILogger<CitizenImportService> logger)
{
    public const int BatchSize = 1000;
    public const int MaxReportedErrors = 1000;
    public const int MaxRows = 2_000_000;

    /// <summary>The longest NDJSON line; a longer one stops the import, so a hostile file cannot make us buffer it whole.</summary>
    public const int MaxLineChars = 4096;

    /// <summary>About the longest CSV record (UTF-8 bytes): the reader's buffer, which does not grow for a longer one; that stops the import.</summary>
    public const int MaxRecordBytes = 4096;

    private sealed class Tally
    {
        public long Rows;
        public int Created, Updated, Unchanged, Rejected;
        public readonly List<ImportRowError> Errors = [];

        public void Reject(long line, string? externalId, string field, string message)
        {
            Rejected++;
            if (Errors.Count < MaxReportedErrors) Errors.Add(new ImportRowError(line, externalId, field, message));
        }
    }

    public const string AuditAction = "citizen.import";

    public async Task<Outcome<ImportReport>> ImportAsync(AccessScope scope, Stream body, string format, CancellationToken ct)
    {
        if (!scope.IsAuthority) return Failure.Forbidden("Only the health authority and city admins import citizens.");
        var tally = new Tally();
        var startedAt = clock.GetUtcNow();
        var finished = false;
        try
        {
            var outcome = await ImportRowsAsync(tally, body, format, ct);
            finished = outcome.Succeeded;
            return outcome;
        }
        finally
        {
            // Also when it stopped part way (too many rows, a broken file, a cancelled upload): the rows before were imported.
            await audit.AppendAsync(new AuditDraft(startedAt, scope.Actor, AuditAction, $"import:{format}", null,
                $"rows={tally.Rows} created={tally.Created} updated={tally.Updated} unchanged={tally.Unchanged} rejected={tally.Rejected}{(finished ? "" : " stopped")}",
                AuditAction, null), CancellationToken.None);
        }
    }

    private async Task<Outcome<ImportReport>> ImportRowsAsync(Tally tally, Stream body, string format, CancellationToken ct)
    {
        var batch = new List<(long Line, CitizenDraft Draft)>(BatchSize);
        var idsInBatch = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var (line, row, error) in ReadRowsAsync(body, format, ct))
            {
                if (++tally.Rows > MaxRows) return Failure.Invalid("", $"At most {MaxRows:N0} rows per import; split the file.");
                if (error is not null)
                {
                    tally.Reject(line, null, "", error);
                    continue;
                }
                if (!TryValidate(row!, clock.GetUtcNow().Year, out var draft, out var field, out var message))
                {
                    tally.Reject(line, row!.ExternalId, field, message);
                    continue;
                }
                // The same external id twice in one batch would be two writes of one row in one statement: flush first.
                if (!idsInBatch.Add(draft.ExternalId!) || batch.Count == BatchSize)
                {
                    await FlushAsync(batch, tally, ct);
                    idsInBatch.Clear();
                    idsInBatch.Add(draft.ExternalId!);
                }
                batch.Add((line, draft));
                if (tally.Rows % 10_000 == 0) logger.LogInformation("Import: {Rows} rows read, {Created} created, {Rejected} rejected", tally.Rows, tally.Created, tally.Rejected);
            }
            await FlushAsync(batch, tally, ct);
        }
        catch (FormatException e)
        {
            await FlushAsync(batch, tally, ct);
            tally.Reject(0, null, "", e.Message + " The import stopped there; rows before it were imported.");
        }
        logger.LogInformation("Import done: {Rows} rows, {Created} created, {Updated} updated, {Unchanged} unchanged, {Rejected} rejected",
            tally.Rows, tally.Created, tally.Updated, tally.Unchanged, tally.Rejected);
        return new ImportReport(tally.Rows, tally.Created, tally.Updated, tally.Unchanged, tally.Rejected, tally.Errors, tally.Rejected > tally.Errors.Count);
    }

    private async Task FlushAsync(List<(long Line, CitizenDraft Draft)> batch, Tally tally, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var now = clock.GetUtcNow();
        IReadOnlyList<UpsertResult> results;
        try
        {
            results = await citizens.UpsertManyAsync(batch.Select(b => b.Draft).ToList(), now, ct);
        }
        catch (DuplicatePhoneException)
        {
            // Someone's phone is already another citizen's: find which rows, keep the rest.
            var kept = new List<UpsertResult>();
            foreach (var (line, draft) in batch)
            {
                try
                {
                    kept.AddRange(await citizens.UpsertManyAsync([draft], now, ct));
                }
                catch (DuplicatePhoneException)
                {
                    tally.Reject(line, draft.ExternalId, "phone", "This phone number belongs to another citizen.");
                }
            }
            results = kept;
        }
        foreach (var r in results)
        {
            switch (r.Outcome)
            {
                case UpsertOutcome.Created: tally.Created++; break;
                case UpsertOutcome.Updated: tally.Updated++; break;
                case UpsertOutcome.Unchanged: tally.Unchanged++; break;
            }
        }
        await Task.WhenAll(results.Where(r => r.Outcome != UpsertOutcome.Unchanged).Select(r => hot.PutCitizenAsync(r.Citizen.ToHot(), ct)));
        // Rows were written around the grains (an import activates none); the grains that hold updated citizens read them again.
        await active.ChangedAsync(results.Where(r => r.Outcome == UpsertOutcome.Updated).Select(r => r.Citizen.Id).ToList(), ct);
        batch.Clear();
    }

    private static bool TryValidate(CitizenImportRow row, int currentYear, out CitizenDraft draft, out string field, out string message)
    {
        draft = null!;
        (field, message) = ("", "");
        if (string.IsNullOrWhiteSpace(row.ExternalId) || row.ExternalId.Trim().Length > 64) (field, message) = ("externalId", "An external id of 1 to 64 characters is required.");
        else if (!PhoneNumbers.TryNormalise(row.Phone, out var phone)) (field, message) = ("phone", "A phone number is 6 to 15 digits, optionally with a leading +.");
        else if (string.IsNullOrWhiteSpace(row.FullName) || row.FullName.Trim().Length > 100) (field, message) = ("fullName", "A name of 1 to 100 characters is required.");
        else
        {
            var credentials = Credentials.None;
            foreach (var name in row.Credentials ?? [])
            {
                if (string.IsNullOrWhiteSpace(name)) continue;
                if (!CredentialsExtensions.TryParseWireName(name, out var c))
                {
                    (field, message) = ("credentials", $"'{name}' is not a credential (health_record, eid_verified, social_security_card).");
                    return false;
                }
                credentials |= c;
            }
            if (row.BirthYear is { } year && !AgeBands.IsBirthYear(year, currentYear))
            {
                (field, message) = ("birthYear", $"A birth year is a year from {AgeBands.MinBirthYear} to this one, or empty (unknown).");
                return false;
            }
            draft = new CitizenDraft(row.ExternalId.Trim(), phone, row.FullName.Trim(), credentials, row.BirthYear);
            return true;
        }
        return false;
    }

    private static async IAsyncEnumerable<(long Line, CitizenImportRow? Row, string? Error)> ReadRowsAsync(Stream body, string format, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        if (format == "ndjson")
        {
            using var text = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
            long line = 0;
            while (await ReadBoundedLineAsync(text, ct) is { } json)
            {
                line++;
                if (json.Length == 0) continue;
                CitizenImportRow? row = null;
                string? error = null;
                try
                {
                    row = JsonSerializer.Deserialize<CitizenImportRow>(json, ServerJson.Options);
                    if (row is null) error = "The line is not a JSON object.";
                }
                catch (JsonException)
                {
                    error = "The line is not valid JSON.";
                }
                yield return (line, row, error);
            }
            yield break;
        }

        // RFC 4180 as before: quoted fields may hold commas, doubled quotes and line breaks; a stray quote
        // is kept as text. An unclosed quote would swallow the rest of the file into one field, so it stops
        // the import instead (the reader reports it as a malformed record it recovered from).
        long unclosedQuoteLine = 0;
        var options = new CsvReaderOptions
        {
            Separator = ',',
            TrackLineNumbers = true,
            // A record is read whole only once it is in the buffer; with the limit as the buffer's size,
            // every longer record (not only those that straddle a refill) stops the import.
            BufferSize = MaxRecordBytes,
            MaxRecordSize = MaxRecordBytes,
            IncludeValuesInExceptions = false,
            OnMalformedRecord = r =>
            {
                if (r.Reason == CsvMalformedReason.UnterminatedQuote) unclosedQuoteLine = r.LineNumber;
            },
        };
        await using var csv = CsvReader.Create(body, options, leaveOpen: true);
        await ReadHeaderAsync(csv, ct);
        if (csv.Headers.Count == 0) throw new FormatException("The file is empty: a header row (externalId,phone,fullName,credentials) is required.");
        // Header names match ignoring case and surrounding spaces; of repeated names, the first column counts.
        int? Column(string name) => csv.TryGetFieldIndex(name, out var i) ? i : null;
        var (externalId, phone, fullName, credentials, birthYear) = (Column("externalid"), Column("phone"), Column("fullname"), Column("credentials"), Column("birthyear"));
        foreach (var (required, index) in new[] { ("externalid", externalId), ("phone", phone), ("fullname", fullName) })
        {
            if (index is null) throw new FormatException($"The header has no '{required}' column (externalId,phone,fullName,credentials).");
        }
        while (await ReadRecordAsync(csv, ct))
        {
            if (unclosedQuoteLine != 0 && csv.LineNumber >= unclosedQuoteLine) throw new FormatException($"Line {unclosedQuoteLine}: a quoted field is not closed.");
            // A short row's missing fields are absent (null), as an empty field is "".
            string? Field(int? index) => index < csv.FieldCount ? csv.GetString(index.Value) : null;
            var names = Field(credentials)?.Split([';', '|'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            yield return (csv.LineNumber, new CitizenImportRow(Field(externalId), Field(phone), Field(fullName), names, BirthYearOf(Field(birthYear))), null);
        }
    }

    private static int? BirthYearOf(string? field) =>
        string.IsNullOrWhiteSpace(field) ? null
        : int.TryParse(field.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var year) ? year
        : CitizenImportRow.NotANumber;

    // The reader's own errors (a record past MaxRecordBytes) stop the import naming the line, as ours do.
    private static async Task ReadHeaderAsync(CsvReader csv, CancellationToken ct)
    {
        try
        {
            await csv.ReadHeaderAsync(ct);
        }
        catch (CsvFormatException e)
        {
            throw Stop(e);
        }
    }

    private static async Task<bool> ReadRecordAsync(CsvReader csv, CancellationToken ct)
    {
        try
        {
            return await csv.ReadAsync(ct);
        }
        catch (CsvFormatException e)
        {
            throw Stop(e);
        }
    }

    private static FormatException Stop(CsvFormatException e) => new($"Line {e.LineNumber}: {e.Message}", e);

    private static async Task<string?> ReadBoundedLineAsync(StreamReader reader, CancellationToken ct)
    {
        var sb = new StringBuilder();
        var buffer = new char[1];
        while (await reader.ReadAsync(buffer.AsMemory(0, 1), ct) == 1)
        {
            if (buffer[0] == '\n') return sb.ToString().TrimEnd('\r');
            if (sb.Length >= MaxLineChars) throw new FormatException($"A line is longer than {MaxLineChars} characters.");
            sb.Append(buffer[0]);
        }
        return sb.Length > 0 ? sb.ToString() : null;
    }
}
