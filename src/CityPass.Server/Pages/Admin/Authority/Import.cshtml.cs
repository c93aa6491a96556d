using CityPass.Server.Authority;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityPass.Server.Pages.Admin.Authority;

/// <summary>Why an import did not run (or stopped), as the page shows it: the HTTP status, the API's stable code, words.</summary>
public sealed record ImportRefusal(int Status, string Code, string Words);

/// <summary>
/// Bulk import of citizens from a .csv or .ndjson file, through <see cref="CitizenImportService"/> — the service behind
/// POST /v1/citizens/import, with its per-row report and its one audit entry. The page's script sends the file itself as
/// the body (the antiforgery token in the RequestVerificationToken header), which the service reads as it arrives, so the
/// upload's progress is the import's; without script the form posts multipart and the report comes back the same way.
/// </summary>
/// <remarks>
/// The large body limit is this page's alone, as it is the import route's alone in the API: Kestrel's and
/// <see cref="RequestSizeGuard"/>'s default (64 KiB) stays everywhere else. The form limit is raised with it, and runs
/// before antiforgery (which reads a multipart form to find its token).
/// </remarks>
[RequestSizeLimit(AuthorityEndpoints.MaxImportBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = AuthorityEndpoints.MaxImportBytes)]
public sealed class ImportModel(CitizenImportService import) : ConsolePageModel
{
    /// <summary>The header that carries the file's name beside a raw body (URI-encoded: a name may be Chinese).</summary>
    public const string FileNameHeader = "X-File-Name";

    /// <summary>What a file over the limit is told (the page's script says it before sending one).</summary>
    public static readonly string TooLarge = $"The file is larger than {AuthorityEndpoints.MaxImportBytes / (1024 * 1024)} MiB: split it.";

    public ImportReport? Report { get; private set; }

    public ImportRefusal? Refusal { get; private set; }

    public string? FileName { get; private set; }

    /// <summary>
    /// Why the import stopped part way (an unclosed quote, an overlong record), if it did. The service reports a stop as a
    /// rejected "row" at line 0, a line no file has, after the rows it kept; the page shows it apart from the rejected rows.
    /// </summary>
    public string? StoppedBecause => Report?.Errors.FirstOrDefault(e => e.Line == 0)?.Message;

    /// <summary>In the file's order: a row refused by the store (another citizen's phone) is reported after its batch's.</summary>
    public IEnumerable<ImportRowError> RejectedRows => (Report?.Errors ?? []).Where(e => e.Line != 0).OrderBy(e => e.Line);

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostUploadAsync(CancellationToken ct)
    {
        string? format;
        Stream body;
        if (Request.HasFormContentType)
        {
            // Without script: a multipart form. Antiforgery has read it already, to find its token (a file past 64 KiB went to a
            // temporary file, not memory), so this import starts once the upload has ended.
            var file = Request.Form.Files.GetFile("file");
            if (file is not { Length: > 0 }) return Refuse(StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed, "Choose a .csv or .ndjson file to import.");
            FileName = file.FileName;
            format = ImportFormats.FromFileName(file.FileName) ?? ImportFormats.FromContentType(file.ContentType);
            body = file.OpenReadStream();
        }
        else
        {
            // The page's script: the file is the body, its format the Content-Type, read batch by batch as it arrives.
            FileName = Request.Headers[FileNameHeader] is [{ Length: > 0 and <= 1000 } name] ? Uri.UnescapeDataString(name) : null;
            format = ImportFormats.FromContentType(Request.ContentType);
            body = Request.Body;
        }
        if (format is null) return Refuse(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, ImportFormats.Expected);

        Outcome<ImportReport> outcome;
        try
        {
            outcome = await import.ImportAsync(Scope, body, format, ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A body sent without its length (chunked) ran past the limit part way: the service kept (and audited) the rows before.
            return Refuse(StatusCodes.Status413PayloadTooLarge, ProblemCodes.BodyTooLarge, TooLarge + " The import stopped there; the rows before it were imported.");
        }
        if (outcome.Failure is { } f)
        {
            // Too many rows also stops part way, keeping the rows before it; its words are in the field errors.
            var words = f.Errors is { Count: > 0 } errors ? string.Join(" ", errors.Values.SelectMany(m => m)) : f.Title;
            return Refuse(f.Status, f.Code, words);
        }
        Report = outcome.Value;
        // The report is shown in answer to the post, not after a redirect: it may hold a thousand rows, more than a
        // cookie or a query carries, and importing the same file again is harmless (idempotent on the external id).
        return Page();
    }

    private PageResult Refuse(int status, string code, string words)
    {
        Refusal = new ImportRefusal(status, code, words);
        Response.StatusCode = status;
        return Page();
    }
}
