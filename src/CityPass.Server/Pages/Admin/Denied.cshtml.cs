namespace CityPass.Server.Pages.Admin;

/// <summary>Where the cookie sends a signed-in member of staff whose role may not open a page.</summary>
public sealed class DeniedModel : ConsolePageModel
{
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
