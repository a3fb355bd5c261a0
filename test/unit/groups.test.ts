import { describe, expect, test } from "bun:test";
import {
  ANSI_COLORS, Beta, beta, colorize, Group, groupOf, Local, local, Other, other, Production, production,
  setGroup, Staging, staging, Utility, utility, type ColorName, type GroupClass, type GroupDecorator,
} from "../../engine/groups.ts";
import { child, Node } from "../../engine/index.ts";

class Web extends Node {
  greeting = "hello";
}

const builtIns: [string, GroupClass, ColorName, GroupDecorator][] = [
  ["Production", Production, "red", production],
  ["Staging", Staging, "yellow", staging],
  ["Beta", Beta, "green", beta],
  ["Local", Local, "green", local],
  ["Other", Other, "white", other],
  ["Utility", Utility, "magenta", utility],
];

describe("groups", () => {
  test.each(builtIns)("%s has its colour and its decorator puts classes in it", (name, group, color, decorator) => {
    expect(group.name).toBe(name);
    expect(group.color).toBe(color);
    expect(groupOf(decorator(Web))).toBe(group);
  });

  test("a group's name is its class name, on the class and on an instance", () => {
    expect(Production.name).toBe("Production");
    expect(new Production().name).toBe("Production");
    expect(new Production().color).toBe("red");
    expect(new Group().name).toBe("Group");
    expect(new Group().color).toBeUndefined();
  });

  test("a decorated class declaration carries the group, and so do its subclasses", () => {
    @production
    class Live extends Node {}
    class LiveWeb extends Live {}
    expect(groupOf(Live)).toBe(Production);
    expect(groupOf(LiveWeb)).toBe(Production);
  });

  test("a decorated class expression carries the group", () => {
    const Cls = @staging class extends Node {};
    expect(groupOf(Cls)).toBe(Staging);
  });

  test("a class without a group has none", () => {
    expect(groupOf(Web)).toBeUndefined();
    expect(groupOf(undefined)).toBeUndefined();
    expect(groupOf({})).toBeUndefined();
  });

  test("a decorated child field holds a same-named subclass in the group and leaves the original class alone", () => {
    class Root extends Node {
      @production prod = child(Web);
      @staging stag = Web;
    }
    const fields = Object.getOwnPropertyDescriptors(new Root());
    const prod = fields.prod!.value as unknown as typeof Web;
    const stag = fields.stag!.value as unknown as typeof Web;
    expect(prod.prototype).toBeInstanceOf(Web);
    expect(prod.name).toBe("Web");
    expect(groupOf(prod)).toBe(Production);
    expect(groupOf(stag)).toBe(Staging);
    expect(groupOf(Web)).toBeUndefined();
  });

  test("the decorated child is a node with the original's fields", () => {
    class Root extends Node {
      @beta web = child(Web);
    }
    const web = new Root().web;
    expect(web).toBeInstanceOf(Web);
    expect(web.greeting).toBe("hello");
    expect(groupOf(web.constructor)).toBe(Beta);
  });

  test("every instance of a parent sees the same grouped child class", () => {
    class Root extends Node {
      @production prod = Web;
    }
    const fieldClass = () => Object.getOwnPropertyDescriptor(new Root(), "prod")!.value;
    expect(fieldClass()).toBe(fieldClass());
  });

  test("setGroup works with a user-defined group", () => {
    class Testing extends Group {
      static override readonly color = "cyan";
    }
    @setGroup(Testing)
    class Lab extends Node {}
    expect(groupOf(Lab)).toBe(Testing);
    expect(groupOf(Lab)?.color).toBe("cyan");
  });

  test("a class may set its group as a static nodeGroup", () => {
    class Lab extends Node {
      static nodeGroup = Utility;
    }
    expect(groupOf(Lab)).toBe(Utility);
  });

  test("a group decorator on a field that holds no class says so", () => {
    class Root extends Node {
      @production name = "x";
    }
    expect(() => new Root()).toThrow(/@production on field "name": the value must be a node class/);
  });

  test("a group decorator on a method is refused with a clear error", () => {
    const decorate = () => {
      class Root extends Node {
        // @ts-expect-error: group decorators do not apply to methods
        @production deploy() {}
      }
      return Root;
    };
    expect(decorate).toThrow(/applies to classes and class fields, not to the method "deploy"/);
  });

  test("setGroup refuses anything but a Group class", () => {
    expect(() => setGroup(Web as unknown as GroupClass)).toThrow(/expects a Group class/);
  });
});

describe("colorize", () => {
  test.each(Object.entries(ANSI_COLORS) as [ColorName, number][])("wraps text in the SGR code of %s", (name, code) => {
    expect(colorize("x", name)).toBe(`\x1b[${code}mx\x1b[0m`);
  });

  test("adds bold when asked", () => {
    expect(colorize("x", "red", { bold: true })).toBe("\x1b[1;31mx\x1b[0m");
  });

  test("leaves text plain without a colour (a group with no colour)", () => {
    expect(colorize("x", Group.color)).toBe("x");
  });
});
