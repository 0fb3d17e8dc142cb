// Package docs holds the checks that keep the README true to the code: the functions it
// documents are the ones the Dagger module registers.
package docs
