namespace NagSharp;

/// <summary>
/// A problem with what the user asked for (bad flag, malformed architecture string, unknown column).
/// The CLI prints the message on one line and exits with code 1.
/// </summary>
public class NagUserException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A problem with benchmark data or another input file (missing table, corrupt cell, unreadable checkpoint).
/// The message names the file and, where it applies, the line and column. The CLI exits with code 2.
/// </summary>
public class NagDataException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An architecture string or graph that does not describe a member of the search space.</summary>
public sealed class ArchFormatException(string message) : NagUserException(message);
