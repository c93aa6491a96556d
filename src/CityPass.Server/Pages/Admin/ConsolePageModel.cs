using CityPass.Server.Auth;
using CityPass.Server.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityPass.Server.Pages.Admin;

/// <summary>
/// A console page. It turns the signed-in cookie into the same <see cref="AccessScope"/> a bearer
/// token gives the API and hands it to the services, which decide roles and tenancy.
/// </summary>
public abstract class ConsolePageModel : PageModel
{
    /// <summary>The page's folder policy guarantees a staff cookie.</summary>
    protected AccessScope Scope => AccessScope.From(User) ?? throw new InvalidOperationException("A console page was reached without a staff sign-in.");

    /// <summary>Words for the person from a service's failure: the service decided, the page only shows it.</summary>
    public string? Error { get; protected set; }

    /// <summary>Field errors from a failed service call, for the form.</summary>
    public IDictionary<string, string[]> FieldErrors { get; protected set; } = new Dictionary<string, string[]>();

    /// <summary>Not found stays not found: another venue's page is a 404, like the API.</summary>
    protected IActionResult? FailureResult(Failure failure)
    {
        if (failure.Status == StatusCodes.Status404NotFound) return NotFound();
        Error = failure.Title;
        FieldErrors = failure.Errors ?? new Dictionary<string, string[]>();
        Response.StatusCode = failure.Status;
        return null;
    }

    public string? FieldError(string field) => FieldErrors.TryGetValue(field, out var m) ? string.Join(" ", m) : null;
}
