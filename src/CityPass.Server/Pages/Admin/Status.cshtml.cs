using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityPass.Server.Pages.Admin;

/// <summary>The console's error page (re-executed for 4xx/5xx under /admin); the status code stays what it was.</summary>
public sealed class StatusModel : PageModel
{
    public string Heading { get; private set; } = "";

    public string Explanation { get; private set; } = "";

    public void OnGet(int code)
    {
        (Heading, Explanation) = code switch
        {
            404 => ("Not found", "There is no such page, or it belongs to a venue you do not manage."),
            403 => ("Not allowed", "Your role may not do this."),
            429 => ("Too many attempts", "Wait a minute and try again."),
            _ => ("Something went wrong", "Try again; if it keeps happening, tell the city's administrators."),
        };
    }
}
